DROP INDEX `verdicts_outcome_at` ON `verdicts`;--> statement-breakpoint
CREATE INDEX `verdicts_outcome_at_plot` ON `verdicts` (`outcome`,`at`,`plot_type`);