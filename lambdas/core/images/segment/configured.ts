import { classicalSegmenter } from './classical.ts';
import { type ModelProfileName, type ModelSource, modelSegmenter } from './model.ts';
import type { Segmenter } from './segmenter.ts';

export interface SegmenterConfig {
  /** An ONNX model (SEGMENT_MODEL_PATH, or SEGMENT_MODEL_S3_URI read through the caller's store). */
  model?: ModelSource | undefined;
  /** Input normalisation of the model (SEGMENT_MODEL_PROFILE); default `u2net`. */
  profile?: ModelProfileName | undefined;
  /** Hex SHA-256 the model file must have (SEGMENT_MODEL_SHA256); checked at load. */
  sha256?: string | undefined;
}

/**
 * The model-based segmenter when a model is configured, else the classical one. Building it
 * loads nothing: the model and ONNX Runtime are loaded on the first mask, once per process.
 * Call it once, in the composition root.
 */
export const segmenterFromConfig = ({ model, profile, sha256 }: SegmenterConfig): Segmenter =>
  model ? modelSegmenter({ source: model, profile, sha256 }) : classicalSegmenter();
