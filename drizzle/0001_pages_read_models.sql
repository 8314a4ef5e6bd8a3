CREATE TABLE `verdicts` (
	`image_id` varchar(64) NOT NULL,
	`plot_type` varchar(128) NOT NULL,
	`run` int,
	`run_period` varchar(64),
	`chunk` int,
	`pad` int,
	`arrived_at` datetime(3),
	`status` varchar(16) NOT NULL,
	`outcome` varchar(140) NOT NULL,
	`decided_at` datetime(3),
	`model_id` varchar(128),
	`verdict` varchar(128),
	`confidence` double,
	`confirmed` boolean,
	`scores` longtext,
	`heatmap` varchar(64),
	`reason` varchar(2000),
	`timings` longtext,
	`worker` varchar(200),
	`seq` bigint NOT NULL,
	CONSTRAINT `verdicts_image_id` PRIMARY KEY(`image_id`)
);
--> statement-breakpoint
CREATE TABLE `plot_status` (
	`plot_type` varchar(128) NOT NULL,
	`configured` boolean NOT NULL,
	`detector` varchar(64),
	`title` varchar(200),
	`hidden` boolean NOT NULL,
	`ignored` boolean NOT NULL,
	`retired` boolean NOT NULL,
	`labels` longtext NOT NULL,
	`last_image_id` varchar(64),
	`last_arrived_at` datetime(3),
	`recent` longtext NOT NULL,
	`image_id` varchar(64),
	`arrived_at` datetime(3),
	`run` int,
	`chunk` int,
	`status` varchar(16),
	`decided_at` datetime(3),
	`verdict` varchar(128),
	`confidence` double,
	`confirmed` boolean,
	`scores` longtext,
	`heatmap` varchar(64),
	`model_id` varchar(128),
	`reason` varchar(2000),
	`streak_since` datetime(3),
	`streak_image_id` varchar(64),
	`streak_run` int,
	`streak_chunk` int,
	`streak_label` varchar(128),
	`streak_count` int NOT NULL,
	`seq` bigint NOT NULL,
	CONSTRAINT `plot_status_plot_type` PRIMARY KEY(`plot_type`)
);
--> statement-breakpoint
CREATE TABLE `alarms` (
	`alarm_id` varchar(128) NOT NULL,
	`plot_type` varchar(128) NOT NULL,
	`detector` varchar(64) NOT NULL,
	`run` int NOT NULL,
	`label` varchar(128) NOT NULL,
	`confidence` double NOT NULL,
	`first_image_id` varchar(64) NOT NULL,
	`image_count` int NOT NULL,
	`raised_at` datetime(3) NOT NULL,
	`state` varchar(16) NOT NULL,
	`acknowledged_at` datetime(3),
	`acknowledged_by` varchar(100),
	`comment` text,
	`resolved_at` datetime(3),
	`resolved_image_id` varchar(64),
	`seq` bigint NOT NULL,
	CONSTRAINT `alarms_alarm_id` PRIMARY KEY(`alarm_id`)
);
--> statement-breakpoint
CREATE TABLE `score_hourly` (
	`id` varchar(160) NOT NULL,
	`plot_type` varchar(128) NOT NULL,
	`hour` datetime(3) NOT NULL,
	`n` int NOT NULL,
	`unconfirmed` int NOT NULL,
	`sums` longtext NOT NULL,
	`maxes` longtext NOT NULL,
	`verdicts` longtext NOT NULL,
	`min_run` int,
	`max_run` int,
	CONSTRAINT `score_hourly_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `runs` (
	`id` varchar(16) NOT NULL,
	`run` int NOT NULL,
	`run_period` varchar(64),
	`first_arrived_at` datetime(3) NOT NULL,
	`last_arrived_at` datetime(3) NOT NULL,
	`images` int NOT NULL,
	CONSTRAINT `runs_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `news` (
	`id` varchar(16) NOT NULL,
	`text` text NOT NULL,
	`level` varchar(16) NOT NULL,
	`user` varchar(100) NOT NULL,
	`posted_at` datetime(3) NOT NULL,
	`expires_at` datetime(3),
	CONSTRAINT `news_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE INDEX `verdicts_plot_decided` ON `verdicts` (`plot_type`,`decided_at`);--> statement-breakpoint
CREATE INDEX `verdicts_outcome_decided` ON `verdicts` (`outcome`,`decided_at`);--> statement-breakpoint
CREATE INDEX `verdicts_decided` ON `verdicts` (`decided_at`);--> statement-breakpoint
CREATE INDEX `verdicts_run` ON `verdicts` (`run`,`plot_type`);--> statement-breakpoint
CREATE INDEX `alarms_state_raised` ON `alarms` (`state`,`raised_at`);--> statement-breakpoint
CREATE INDEX `alarms_plot_raised` ON `alarms` (`plot_type`,`raised_at`);--> statement-breakpoint
CREATE INDEX `alarms_raised` ON `alarms` (`raised_at`);--> statement-breakpoint
CREATE INDEX `score_hourly_plot_hour` ON `score_hourly` (`plot_type`,`hour`);--> statement-breakpoint
CREATE INDEX `runs_first` ON `runs` (`first_arrived_at`);--> statement-breakpoint
CREATE INDEX `runs_run` ON `runs` (`run`);