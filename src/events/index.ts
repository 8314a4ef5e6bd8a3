// The public face of the event catalog and log.
export * from './catalog.ts';
export * from './envelope.ts';
export * from './errors.ts';
export * from './subjects.ts';
export * from './log.ts';
export { defineEvent, tokenSchema, sha256Schema } from './define.ts';
export { plotTypeSpecSchema, type PlotTypeSpec, labelSpecSchema, maskRegionSchema } from './plottype.ts';
export { trainingParametersSchema, evaluationSchema, type TrainingParameters, type Evaluation } from './training.ts';
