-- These columns count image.arrived events, arrivals (the same bytes arriving again count again), not images:
-- named for what they count. The values stay as they are.
ALTER TABLE `runs` RENAME COLUMN `images` TO `arrivals`;--> statement-breakpoint
ALTER TABLE `daily_counts` RENAME COLUMN `arrived` TO `arrivals`;
