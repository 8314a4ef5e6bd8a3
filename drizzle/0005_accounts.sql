CREATE TABLE `users` (
	`name` varchar(100) NOT NULL,
	`display_name` varchar(100),
	`email` varchar(200),
	`password_hash` varchar(400),
	`roles` longtext NOT NULL,
	`disabled` boolean NOT NULL DEFAULT false,
	`credentials_version` int NOT NULL,
	`added_by` varchar(100) NOT NULL,
	`added_at` datetime(3) NOT NULL,
	`updated_at` datetime(3) NOT NULL,
	CONSTRAINT `users_name` PRIMARY KEY(`name`)
);
--> statement-breakpoint
CREATE TABLE `api_tokens` (
	`token_id` varchar(128) NOT NULL,
	`name` varchar(100) NOT NULL,
	`role` varchar(16) NOT NULL,
	`detectors` longtext,
	`hash` varchar(64) NOT NULL,
	`created_by` varchar(100) NOT NULL,
	`created_at` datetime(3) NOT NULL,
	`revoked_by` varchar(100),
	`revoked_at` datetime(3),
	CONSTRAINT `api_tokens_token_id` PRIMARY KEY(`token_id`),
	CONSTRAINT `api_tokens_hash` UNIQUE(`hash`)
);
--> statement-breakpoint
CREATE TABLE `site_settings` (
	`id` varchar(16) NOT NULL,
	`anonymous_viewing` boolean,
	`updated_by` varchar(100) NOT NULL,
	`updated_at` datetime(3) NOT NULL,
	CONSTRAINT `site_settings_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `http_sessions` (
	`id_hash` varchar(64) NOT NULL,
	`user_name` varchar(100),
	`data` varchar(2000) NOT NULL,
	`expires_at` datetime(3) NOT NULL,
	CONSTRAINT `http_sessions_id_hash` PRIMARY KEY(`id_hash`)
);
--> statement-breakpoint
CREATE INDEX `http_sessions_user` ON `http_sessions` (`user_name`);--> statement-breakpoint
CREATE INDEX `http_sessions_expires` ON `http_sessions` (`expires_at`);