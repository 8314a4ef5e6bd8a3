-- Verdicts are kept per arrival. A row written before arrivals had ids was its image's only arrival: its arrival id
-- is the image id, as the upcaster of version 1 events says, so a rebuild from the stream gives the same rows.
ALTER TABLE `verdicts` ADD `arrival_id` varchar(64) NOT NULL DEFAULT '';--> statement-breakpoint
UPDATE `verdicts` SET `arrival_id` = `image_id`;--> statement-breakpoint
ALTER TABLE `verdicts` ALTER COLUMN `arrival_id` DROP DEFAULT;--> statement-breakpoint
ALTER TABLE `verdicts` DROP PRIMARY KEY, ADD PRIMARY KEY(`arrival_id`);--> statement-breakpoint
CREATE INDEX `verdicts_image` ON `verdicts` (`image_id`,`at`);--> statement-breakpoint
ALTER TABLE `plot_status` ADD `last_arrival_id` varchar(64);--> statement-breakpoint
ALTER TABLE `plot_status` ADD `arrival_id` varchar(64);--> statement-breakpoint
-- The same for the Run page's rows, the arrivals they remember (JSON written as the projection writes it) and the
-- streak's first arrival (0007 added the column without filling it).
UPDATE `plot_status` SET
  `last_arrival_id` = `last_image_id`,
  `arrival_id` = `image_id`,
  `streak_arrival_id` = COALESCE(`streak_arrival_id`, `streak_image_id`),
  `recent` = REGEXP_REPLACE(`recent`, '"imageId":"([0-9a-f]{64})"', '"arrivalId":"\\1","imageId":"\\1"');
--> statement-breakpoint
-- The Labeler's rows keep the model of their verdict (a version 1 image had one verdict, on its one arrival).
ALTER TABLE `label_queue` ADD `model_id` varchar(128);--> statement-breakpoint
UPDATE `label_queue` q JOIN `verdicts` v ON v.`image_id` = q.`image_id` AND v.`status` = 'classified'
SET q.`model_id` = v.`model_id`;
