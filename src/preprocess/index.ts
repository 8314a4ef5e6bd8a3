// The one preprocessing path of Hydra (training and inference alike).
export {
  preprocess,
  preprocessSpecSchema,
  maskRectSchema,
  PreprocessError,
  BACKGROUND,
  inputSize,
  type PreprocessSpec,
  type Preprocessed,
  type MaskRect,
  type PreprocessErrorCode,
} from './preprocess.ts';
export { preprocessBatch, toFloat32, type PreprocessedBatch, type BatchItemResult } from './batch.ts';
