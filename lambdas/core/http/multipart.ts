import { Busboy } from '@fastify/busboy';
import { type FieldErrors, fieldError, invalidInput } from '#core/errors';
import { bodyBytes, type HttpEvent, header, streamedBody, withReadBody } from '#core/http/event';
import { fileTooLarge } from '#core/media/fields';

export interface UploadedFile {
  bytes: Buffer;
  /** The part was longer than `maxFileBytes`; `bytes` holds only its start. */
  tooLarge: boolean;
}

export interface MultipartForm {
  file: UploadedFile | undefined;
  fields: Record<string, string>;
}

export interface MultipartLimits {
  maxFileBytes: number;
  maxFields: number;
  /** Bytes, not characters: character limits are the schema's job, this one bounds memory. */
  maxFieldBytes: number;
}

const FILE_FIELD = 'file';

/** What a form may carry besides its file: the fields and the multipart framing. */
export const FORM_OVERHEAD_BYTES = 1024 ** 2;

const MALFORMED = 'The multipart body is malformed.';
const ENDED_EARLY = 'The body ended before its declared length.';

/** The most a streamed form may carry with a file of at most `maxFileBytes`. */
const bodyLimit = (maxFileBytes: number): number => maxFileBytes + FORM_OVERHEAD_BYTES;

const declaredTooLarge = (event: HttpEvent, maxFileBytes: number): boolean =>
  Number(header(event, 'content-length') ?? 0) > bodyLimit(maxFileBytes);

/**
 * The event with a streamed body read in full, for what must see the whole body before the form
 * is parsed (an Idempotency-Key's fingerprint). Held once, beside the event; refused as the parser
 * refuses a streamed form (too large, declared or counted; malformed; ended early), the rest left
 * for the server to drop. An event whose body is in it is returned as it is.
 */
export const withWholeBody = async (event: HttpEvent, maxFileBytes: number): Promise<HttpEvent> => {
  const stream = streamedBody(event);
  if (!stream) return event;
  if (declaredTooLarge(event, maxFileBytes)) throw fileTooLarge(FILE_FIELD, maxFileBytes);
  let chunks: Buffer[] = [];
  let received = 0;
  const body = await new Promise<Buffer>((resolve, reject) => {
    const settle = (outcome: () => void) => {
      stream.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      outcome();
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      chunks.push(chunk);
      if (received > bodyLimit(maxFileBytes)) settle(() => reject(fileTooLarge(FILE_FIELD, maxFileBytes)));
    };
    const onEnd = () => settle(() => resolve(Buffer.concat(chunks, received)));
    const onError = () => settle(() => reject(fieldError(FILE_FIELD, MALFORMED)));
    const onClose = () => settle(() => reject(fieldError(FILE_FIELD, ENDED_EARLY)));
    stream.on('data', onData).once('end', onEnd).once('error', onError).once('close', onClose);
  }).finally(() => {
    chunks = [];
  });
  return withReadBody(event, body);
};

/**
 * Parses a multipart/form-data upload with explicit limits. Reading stops at the first problem;
 * every problem is a 422 naming the field, never a 5xx.
 *
 * A streamed body (the full-size path) is parsed as it arrives and never held whole: only the
 * file's bytes are kept, up to the plan's limit. A body declared or found larger than the file limit
 * plus the form's overhead is refused before (or as soon as) it gets there, and one that ends early
 * (a truncated upload, a client gone, a `Content-Length` larger than what was sent) is malformed.
 */
export const parseMultipartForm = (event: HttpEvent, limits: MultipartLimits): Promise<MultipartForm> => {
  const contentType = header(event, 'content-type');
  if (!contentType || !/^multipart\/form-data\s*;/i.test(contentType)) {
    return Promise.reject(fieldError('file', 'Send the image as multipart/form-data with a "file" field.'));
  }

  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = Object.create(null);
    const chunks: Buffer[] = [];
    let file: UploadedFile | undefined;
    let failure: FieldErrors | undefined;
    const fail = (field: string, message: string) => {
      failure ??= { [field]: [message] };
    };

    let parser: InstanceType<typeof Busboy>;
    try {
      parser = new Busboy({
        headers: { 'content-type': contentType },
        limits: {
          files: 1,
          fields: limits.maxFields,
          parts: limits.maxFields + 1,
          fileSize: limits.maxFileBytes,
          fieldSize: limits.maxFieldBytes,
          fieldNameSize: 100,
        },
      });
    } catch {
      reject(fieldError('file', 'The multipart body has no valid boundary.'));
      return;
    }

    parser.on('file', (name, stream) => {
      if (name !== FILE_FIELD || file) {
        fail(name, file ? 'Only one file may be sent.' : `Send the image in the "${FILE_FIELD}" field.`);
        stream.resume();
        return;
      }
      file = { bytes: Buffer.alloc(0), tooLarge: false };
      const current = file;
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      // A part cut off by the end of the body errors here, not on the parser.
      stream.on('error', () => fail(FILE_FIELD, MALFORMED));
      stream.on('limit', () => {
        current.tooLarge = true;
      });
    });
    parser.on('field', (name, value, nameTruncated, valueTruncated) => {
      if (nameTruncated) fail('fields', 'A field name is too long.');
      else if (valueTruncated) fail(name, 'The value is too long.');
      else if (name === FILE_FIELD) fail(FILE_FIELD, 'The "file" field must be a file.');
      else if (Object.hasOwn(fields, name)) fail(name, 'The field was sent more than once.');
      else fields[name] = value;
    });
    parser.on('filesLimit', () => fail(FILE_FIELD, 'Only one file may be sent.'));
    parser.on('fieldsLimit', () => fail('fields', 'Too many fields.'));
    parser.on('partsLimit', () => fail('fields', 'Too many fields.'));
    parser.on('error', () => reject(fieldError(FILE_FIELD, MALFORMED)));
    parser.on('finish', () => {
      if (failure) {
        reject(invalidInput(failure, Object.values(failure)[0]?.[0]));
        return;
      }
      if (file) file.bytes = Buffer.concat(chunks);
      resolve({ file, fields: { ...fields } });
    });
    const stream = streamedBody(event);
    if (!stream) {
      parser.end(bodyBytes(event));
      return;
    }
    const maxBodyBytes = bodyLimit(limits.maxFileBytes);
    const refuse = (error: unknown) => {
      stream.unpipe(parser);
      reject(error);
    };
    if (declaredTooLarge(event, limits.maxFileBytes)) {
      refuse(fileTooLarge(FILE_FIELD, limits.maxFileBytes));
      return;
    }
    let received = 0;
    let ended = false;
    stream.on('data', (chunk: Buffer) => {
      received += chunk.length;
      // Chunked bodies have no declared length to judge: they are counted.
      if (received > maxBodyBytes) refuse(fileTooLarge(FILE_FIELD, limits.maxFileBytes));
    });
    stream.once('end', () => {
      ended = true;
    });
    stream.once('error', () => refuse(fieldError(FILE_FIELD, MALFORMED)));
    stream.once('close', () => {
      if (!ended) refuse(fieldError(FILE_FIELD, ENDED_EARLY));
    });
    stream.pipe(parser);
  });
};
