CREATE TABLE `dead_letters` (
	`id` int AUTO_INCREMENT NOT NULL,
	`projection` varchar(100) NOT NULL,
	`seq` bigint unsigned NOT NULL,
	`subject` varchar(400) NOT NULL,
	`event_type` varchar(100),
	`error` text NOT NULL,
	`payload` longtext NOT NULL,
	`parked_at` datetime(3) NOT NULL,
	CONSTRAINT `dead_letters_id` PRIMARY KEY(`id`),
	CONSTRAINT `dead_letters_projection_seq` UNIQUE(`projection`,`seq`)
);
--> statement-breakpoint
CREATE TABLE `projection_checkpoints` (
	`name` varchar(100) NOT NULL,
	`seq` bigint unsigned NOT NULL DEFAULT 0,
	`paused` boolean NOT NULL DEFAULT false,
	`updated_at` datetime(3) NOT NULL,
	CONSTRAINT `projection_checkpoints_name` PRIMARY KEY(`name`)
);
--> statement-breakpoint
CREATE TABLE `plot_types` (
	`name` varchar(128) NOT NULL,
	`detector` varchar(64) NOT NULL,
	`spec` longtext NOT NULL,
	`retired` boolean NOT NULL DEFAULT false,
	`revision` int NOT NULL,
	`defined_at` datetime(3) NOT NULL,
	`updated_at` datetime(3) NOT NULL,
	CONSTRAINT `plot_types_name` PRIMARY KEY(`name`)
);
--> statement-breakpoint
CREATE TABLE `images` (
	`image_id` varchar(64) NOT NULL,
	`plot_type` varchar(128) NOT NULL,
	`run` int NOT NULL,
	`run_period` varchar(64),
	`chunk` int NOT NULL,
	`pad` int NOT NULL,
	`arrived_at` datetime(3) NOT NULL,
	`width` int NOT NULL,
	`height` int NOT NULL,
	`bytes` bigint NOT NULL,
	`source` varchar(1000) NOT NULL,
	`sampled_for` longtext NOT NULL,
	`arrived_seq` bigint NOT NULL,
	CONSTRAINT `images_image_id` PRIMARY KEY(`image_id`)
);
--> statement-breakpoint
CREATE TABLE `image_rejections` (
	`rejection_id` varchar(128) NOT NULL,
	`source` varchar(1000) NOT NULL,
	`code` varchar(32) NOT NULL,
	`reason` varchar(2000) NOT NULL,
	`size` bigint,
	`quarantine_path` varchar(2000),
	`rejected_at` datetime(3) NOT NULL,
	CONSTRAINT `image_rejections_rejection_id` PRIMARY KEY(`rejection_id`)
);
--> statement-breakpoint
CREATE TABLE `images_unassigned` (
	`image_id` varchar(64) NOT NULL,
	`plot_name` varchar(200) NOT NULL,
	`source` varchar(1000) NOT NULL,
	`kept_path` varchar(2000) NOT NULL,
	`arrived_at` datetime(3) NOT NULL,
	CONSTRAINT `images_unassigned_image_id` PRIMARY KEY(`image_id`)
);
--> statement-breakpoint
CREATE TABLE `labels` (
	`image_id` varchar(64) NOT NULL,
	`plot_type` varchar(128) NOT NULL,
	`label` varchar(128) NOT NULL,
	`user` varchar(100) NOT NULL,
	`comment` text,
	`labelled_at` datetime(3) NOT NULL,
	CONSTRAINT `labels_image_id` PRIMARY KEY(`image_id`)
);
--> statement-breakpoint
CREATE TABLE `daily_counts` (
	`id` varchar(200) NOT NULL,
	`plot_type` varchar(128) NOT NULL,
	`day` date NOT NULL,
	`arrived` int NOT NULL,
	`sampled` int NOT NULL,
	`labelled` int NOT NULL,
	CONSTRAINT `daily_counts_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE INDEX `images_plot_type_arrived` ON `images` (`plot_type`,`arrived_at`);--> statement-breakpoint
CREATE INDEX `images_run` ON `images` (`run`,`plot_type`);--> statement-breakpoint
CREATE INDEX `image_rejections_at` ON `image_rejections` (`rejected_at`);--> statement-breakpoint
CREATE INDEX `images_unassigned_plot` ON `images_unassigned` (`plot_name`);--> statement-breakpoint
CREATE INDEX `labels_plot_type_label` ON `labels` (`plot_type`,`label`);--> statement-breakpoint
CREATE INDEX `daily_counts_day` ON `daily_counts` (`day`);