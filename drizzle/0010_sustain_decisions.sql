CREATE TABLE `sustain_decisions` (
	`seq` varchar(20) NOT NULL,
	`plot_type` varchar(128) NOT NULL,
	`kind` varchar(16) NOT NULL,
	`model_id` varchar(128) NOT NULL,
	`champion_id` varchar(128),
	`status` varchar(16) NOT NULL,
	`why` text NOT NULL,
	`training_id` varchar(128),
	`evidence` longtext,
	`comparison` longtext,
	`at` datetime(3) NOT NULL,
	CONSTRAINT `sustain_decisions_seq` PRIMARY KEY(`seq`)
);
--> statement-breakpoint
CREATE INDEX `sustain_decisions_plot` ON `sustain_decisions` (`plot_type`,`kind`,`at`);--> statement-breakpoint
CREATE INDEX `sustain_decisions_training` ON `sustain_decisions` (`training_id`);