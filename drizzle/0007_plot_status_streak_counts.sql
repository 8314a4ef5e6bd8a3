ALTER TABLE `plot_status` ADD `streak_arrival_id` varchar(64);--> statement-breakpoint
ALTER TABLE `plot_status` ADD `streak_unconfirmed` int DEFAULT 0 NOT NULL;