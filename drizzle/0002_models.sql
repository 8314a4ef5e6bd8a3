CREATE TABLE `models` (
	`model_id` varchar(128) NOT NULL,
	`plot_type` varchar(128) NOT NULL,
	`status` varchar(16) NOT NULL,
	`origin` varchar(16) NOT NULL,
	`onnx` varchar(64) NOT NULL,
	`labels` longtext NOT NULL,
	`input` longtext NOT NULL,
	`thresholds` longtext NOT NULL,
	`evaluation` longtext,
	`parameters` longtext,
	`training_id` varchar(128),
	`dataset_size` int,
	`signed_off_by` varchar(100),
	`sign_off_comment` text,
	`activated_by` varchar(100),
	`created_at` datetime(3) NOT NULL,
	`activated_at` datetime(3),
	`retired_at` datetime(3),
	CONSTRAINT `models_model_id` PRIMARY KEY(`model_id`)
);
--> statement-breakpoint
CREATE INDEX `models_plot_type_status` ON `models` (`plot_type`,`status`);