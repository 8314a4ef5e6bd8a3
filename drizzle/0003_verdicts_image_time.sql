DROP INDEX `verdicts_plot_decided` ON `verdicts`;--> statement-breakpoint
DROP INDEX `verdicts_outcome_decided` ON `verdicts`;--> statement-breakpoint
DROP INDEX `verdicts_decided` ON `verdicts`;--> statement-breakpoint
ALTER TABLE `verdicts` ADD `at` datetime(3) NOT NULL;--> statement-breakpoint
CREATE INDEX `verdicts_plot_at` ON `verdicts` (`plot_type`,`at`);--> statement-breakpoint
CREATE INDEX `verdicts_outcome_at` ON `verdicts` (`outcome`,`at`);--> statement-breakpoint
-- Rows written before the column existed: the image time is the arrival, else the decision.
UPDATE `verdicts` SET `at` = COALESCE(`arrived_at`, `decided_at`, `at`);