-- Backfills (a model run over a plot type's stored arrivals of a run or time range, src/backfill/): one row per backfill
-- and one per arrival it judged, beside the verdict that arrival had. New tables: a rebuild fills them from backfill.* events.
CREATE TABLE `backfill_verdicts` (
	`id` varchar(200) NOT NULL,
	`backfill_id` varchar(128) NOT NULL,
	`arrival_id` varchar(64) NOT NULL,
	`image_id` varchar(64) NOT NULL,
	`run` int,
	`at` datetime(3) NOT NULL,
	`verdict` varchar(128) NOT NULL,
	`confidence` double NOT NULL,
	`confirmed` boolean NOT NULL,
	`outcome` varchar(140) NOT NULL,
	`scores` longtext NOT NULL,
	`had_outcome` varchar(140) NOT NULL,
	`had_model_id` varchar(128),
	`had_verdict` varchar(128),
	`had_confidence` double,
	`had_confirmed` boolean,
	`changed` boolean NOT NULL,
	`seq` bigint NOT NULL,
	CONSTRAINT `backfill_verdicts_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `backfills` (
	`backfill_id` varchar(128) NOT NULL,
	`plot_type` varchar(128) NOT NULL,
	`model_id` varchar(128) NOT NULL,
	`requested_by` varchar(100) NOT NULL,
	`run_from` int,
	`run_to` int,
	`from_at` datetime(3),
	`to_at` datetime(3),
	`max_images` int NOT NULL,
	`status` varchar(16) NOT NULL,
	`total` int,
	`done` int NOT NULL,
	`judged` int,
	`unreadable` int,
	`compared` int,
	`agreed` int,
	`changed` int,
	`pairs` longtext,
	`failure_code` varchar(32),
	`failure_reason` text,
	`requested_at` datetime(3) NOT NULL,
	`started_at` datetime(3),
	`finished_at` datetime(3),
	CONSTRAINT `backfills_backfill_id` PRIMARY KEY(`backfill_id`)
);
--> statement-breakpoint
CREATE INDEX `backfill_verdicts_list` ON `backfill_verdicts` (`backfill_id`,`changed`,`at`);--> statement-breakpoint
CREATE INDEX `backfills_plot` ON `backfills` (`plot_type`,`requested_at`);--> statement-breakpoint
CREATE INDEX `backfills_model` ON `backfills` (`model_id`);