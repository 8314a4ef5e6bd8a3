ALTER TABLE `label_history` ADD `undoes` varchar(36);--> statement-breakpoint
ALTER TABLE `label_history` ADD `by` varchar(100);