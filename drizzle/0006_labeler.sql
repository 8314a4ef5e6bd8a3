CREATE TABLE `label_history` (
	`seq` varchar(20) NOT NULL,
	`image_id` varchar(64) NOT NULL,
	`plot_type` varchar(128) NOT NULL,
	`kind` varchar(16) NOT NULL,
	`label` varchar(128),
	`user` varchar(100) NOT NULL,
	`comment` text,
	`batch` varchar(36),
	`at` datetime(3) NOT NULL,
	CONSTRAINT `label_history_seq` PRIMARY KEY(`seq`)
);
--> statement-breakpoint
CREATE TABLE `label_queue` (
	`image_id` varchar(64) NOT NULL,
	`plot_type` varchar(128) NOT NULL,
	`run` int NOT NULL,
	`chunk` int NOT NULL,
	`pad` int NOT NULL,
	`at` datetime(3) NOT NULL,
	`unbiased` boolean NOT NULL,
	`bad` boolean NOT NULL,
	`unconfirmed` boolean NOT NULL,
	`verdict` varchar(128),
	`confidence` double,
	`confirmed` boolean,
	`labelled` boolean NOT NULL,
	`label` varchar(128),
	`label_user` varchar(100),
	`labelled_at` datetime(3),
	`batch` varchar(36),
	`unsure` boolean NOT NULL,
	`unsure_by` varchar(100),
	`comments` int NOT NULL,
	CONSTRAINT `label_queue_image_id` PRIMARY KEY(`image_id`)
);
--> statement-breakpoint
CREATE INDEX `label_history_image` ON `label_history` (`image_id`,`at`);--> statement-breakpoint
CREATE INDEX `label_queue_all` ON `label_queue` (`plot_type`,`labelled`,`at`);--> statement-breakpoint
CREATE INDEX `label_queue_all_at` ON `label_queue` (`plot_type`,`at`);--> statement-breakpoint
CREATE INDEX `label_queue_unbiased` ON `label_queue` (`plot_type`,`unbiased`,`labelled`,`at`);--> statement-breakpoint
CREATE INDEX `label_queue_bad` ON `label_queue` (`plot_type`,`bad`,`labelled`,`at`);--> statement-breakpoint
CREATE INDEX `label_queue_unconfirmed` ON `label_queue` (`plot_type`,`unconfirmed`,`labelled`,`at`);--> statement-breakpoint
CREATE INDEX `label_queue_label` ON `label_queue` (`plot_type`,`label`,`at`);--> statement-breakpoint
CREATE INDEX `label_queue_unsure` ON `label_queue` (`plot_type`,`unsure`,`at`);--> statement-breakpoint
CREATE INDEX `label_queue_batch` ON `label_queue` (`batch`);