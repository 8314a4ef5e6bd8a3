-- The arrival of an alarm's first image, which its links open. Alarms raised before alarm.raised carried it keep NULL,
-- as a rebuild from the stream makes them (their links open the image's latest arrival).
ALTER TABLE `alarms` ADD `first_arrival_id` varchar(64);
