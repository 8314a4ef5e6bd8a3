CREATE TABLE `trainings` (
	`training_id` varchar(128) NOT NULL,
	`plot_type` varchar(128) NOT NULL,
	`status` varchar(16) NOT NULL,
	`requester` varchar(100) NOT NULL,
	`reason` text NOT NULL,
	`parameters` longtext,
	`requested_at` datetime(3) NOT NULL,
	`epochs` longtext NOT NULL,
	`model_id` varchar(128),
	`result` longtext,
	`failure_code` varchar(32),
	`failure_reason` text,
	`finished_at` datetime(3),
	CONSTRAINT `trainings_training_id` PRIMARY KEY(`training_id`)
);
--> statement-breakpoint
ALTER TABLE `models` ADD `signed_off_at` datetime(3);--> statement-breakpoint
ALTER TABLE `models` ADD `replaced_model_id` varchar(128);--> statement-breakpoint
ALTER TABLE `models` ADD `retired_by` varchar(100);--> statement-breakpoint
CREATE INDEX `trainings_plot_type` ON `trainings` (`plot_type`,`requested_at`);