export type CompleteDirectUploadData = Upload;
export type CompleteDirectUploadError = Error;
export interface CompleteDirectUploadParams {
    uploadId: string;
}
export interface CreateDirectUploadData {
    /**
     * When the upload must be completed by (Unix seconds)
     * @min -9007199254740991
     * @max 9007199254740991
     */
    expires_at: number;
    upload: {
        /** Form fields to send before the file, as they are */
        fields: Partial<Record<string, string>>;
        method: "POST";
        /** @format uri */
        url: string;
    };
    upload_id: string;
}
export type CreateDirectUploadError = Error;
export interface CreateDirectUploadPayload {
    /** @maxLength 2000 */
    caption?: string;
    /** @pattern ^[\x21-\x7e]{1,255}$ */
    external_id?: string;
    /** @maxLength 255 */
    filename?: string;
    /** Whether `metadata=keep` on the viewer link serves the original's full metadata (GPS position, camera and device tags). Off by default: `keep` then serves what `copyright` serves. */
    keep_metadata?: boolean | "true" | "false";
    public?: boolean | "true" | "false";
    /**
     * @min 1
     * @max 9007199254740991
     */
    size: number;
    ttl?: number | string;
    [key: string]: any;
}
export type CreateKeyData = Key;
export type CreateKeyError = Error;
export interface CreateKeyPayload {
    /** @maxLength 254 */
    email: string;
    /**
     * @minLength 1
     * @maxLength 100
     */
    name: string;
}
export interface DeleteMediaBatchData {
    /**
     * @min -9007199254740991
     * @max 9007199254740991
     */
    deleted: number;
    not_found: string[];
}
export type DeleteMediaBatchError = Error;
export interface DeleteMediaBatchPayload {
    /**
     * @maxItems 100
     * @minItems 1
     */
    ids: string[];
}
export type DeleteMediaData = any;
export type DeleteMediaError = Error;
export interface DeleteMediaParams {
    /** The media id */
    id: string;
}
export interface Error {
    action?: {
        label: string;
        type: "upgrade";
        /** @format uri */
        url: string;
    } | {
        label?: string;
        /**
         * @min -9007199254740991
         * @max 9007199254740991
         */
        seconds: number;
        type: "wait";
    } | {
        label: string;
        type: "contact";
        /** @format uri */
        url?: string;
    };
    /** Machine-readable code, e.g. validation_error */
    error: string;
    /** Field-level problems (validation_error) */
    errors?: Partial<Record<string, string[]>>;
    message: string;
    request_id: string;
    /** The team's usage (quota_exceeded) */
    usage?: Usage;
}
export type GetMediaData = Media;
export type GetMediaError = Error;
export interface GetMediaParams {
    /** The media id */
    id: string;
}
export interface GetOpenApiData {
    openapi: string;
    [key: string]: any;
}
export type GetUsageData = Usage;
export type GetUsageError = Error;
export type ImportMediaData = Upload;
export type ImportMediaError = Error;
export interface ImportMediaPayload {
    /** @maxLength 2000 */
    caption?: string;
    /** @pattern ^[\x21-\x7e]{1,255}$ */
    external_id?: string;
    /** Whether `metadata=keep` on the viewer link serves the original's full metadata (GPS position, camera and device tags). Off by default: `keep` then serves what `copyright` serves. */
    keep_metadata?: boolean | "true" | "false";
    public?: boolean | "true" | "false";
    ttl?: number | string;
    /** @maxLength 2048 */
    url: string;
    [key: string]: any;
}
export interface Key {
    /**
     * When the key was made (Unix seconds)
     * @min -9007199254740991
     * @max 9007199254740991
     */
    created_at: number;
    /**
     * @format email
     * @pattern ^(?:[A-Za-z0-9_'+\-]+\.)*[A-Za-z0-9_'+\-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$
     */
    email: string;
    /** The API key (imgpro_…): shown this once, only its hash is stored */
    key: string;
    key_id: string;
    /** The team's name */
    name: string;
    plan: "free";
    team_id: string;
}
export interface ListMediaData {
    data: MediaSummary[];
    has_more: boolean;
    /** Pass as `cursor` for the next page; null on the last */
    next_cursor: string | null;
}
export type ListMediaError = Error;
export interface ListMediaParams {
    cursor?: string;
    ids?: string;
    /** @pattern ^\d{1,3}$ */
    limit?: string;
}
/** A media object, with its attribution metadata at the top level */
export interface Media {
    animated?: boolean;
    caption: string | null;
    /** The embedded ICC profile’s name (e.g. "Display P3"), else srgb, cmyk or b-w */
    color_space?: string;
    /**
     * When it was stored (Unix seconds)
     * @min -9007199254740991
     * @max 9007199254740991
     */
    created_at: number;
    /**
     * When it expires; absent for permanent media (Unix seconds)
     * @min -9007199254740991
     * @max 9007199254740991
     */
    expires_at?: number;
    /** Format as stored: jpeg, png, gif, webp, avif, svg, bmp, ico; jpg for HEIC */
    extension: string;
    external_id?: string;
    /**
     * Stored bytes
     * @min -9007199254740991
     * @max 9007199254740991
     */
    filesize: number;
    /**
     * Frames of an animation; 1 for a still image
     * @min -9007199254740991
     * @max 9007199254740991
     */
    frames?: number;
    /** Some pixel is not fully opaque */
    has_alpha?: boolean;
    /**
     * @min -9007199254740991
     * @max 9007199254740991
     */
    height: number;
    /** The media id, 14 base62 characters */
    id: string;
    /** Present (true) when the owner lets `metadata=keep` on the link serve the full metadata (GPS included); absent: `keep` serves what `copyright` serves */
    keep_metadata?: true;
    /**
     * The viewer link: the HTML page for browsers, the image for everyone else
     * @format uri
     */
    link: string;
    /** What to paint before the image arrives; computed once when the image was stored */
    placeholder?: PlaceholderOutput;
    /** Whether anyone may see it without a key, on its viewer link and here; private media are not found but by their team. `PATCH {"public": …}` changes it */
    public: boolean;
    /** Ready-made responsive variants, as img.pro answers them: the short side at most 320, 640 and 1080 px (the long side for images twice as long as wide), never enlarged. For a 1200×630 social card, add `?size=social` to the link */
    sizes: {
        large: {
            /**
             * @min -9007199254740991
             * @max 9007199254740991
             */
            height: number;
            /**
             * The link with `?size=<name>`; add `&format=auto` for AVIF or WebP where accepted
             * @format uri
             */
            url: string;
            /**
             * @min -9007199254740991
             * @max 9007199254740991
             */
            width: number;
        };
        medium: {
            /**
             * @min -9007199254740991
             * @max 9007199254740991
             */
            height: number;
            /**
             * The link with `?size=<name>`; add `&format=auto` for AVIF or WebP where accepted
             * @format uri
             */
            url: string;
            /**
             * @min -9007199254740991
             * @max 9007199254740991
             */
            width: number;
        };
        small: {
            /**
             * @min -9007199254740991
             * @max 9007199254740991
             */
            height: number;
            /**
             * The link with `?size=<name>`; add `&format=auto` for AVIF or WebP where accepted
             * @format uri
             */
            url: string;
            /**
             * @min -9007199254740991
             * @max 9007199254740991
             */
            width: number;
        };
    };
    /**
     * @min -9007199254740991
     * @max 9007199254740991
     */
    width: number;
    [key: string]: any;
}
/** A media object as the listing shows it: without attribution metadata */
export interface MediaSummary {
    animated?: boolean;
    caption: string | null;
    /** The embedded ICC profile’s name (e.g. "Display P3"), else srgb, cmyk or b-w */
    color_space?: string;
    /**
     * When it was stored (Unix seconds)
     * @min -9007199254740991
     * @max 9007199254740991
     */
    created_at: number;
    /**
     * When it expires; absent for permanent media (Unix seconds)
     * @min -9007199254740991
     * @max 9007199254740991
     */
    expires_at?: number;
    /** Format as stored: jpeg, png, gif, webp, avif, svg, bmp, ico; jpg for HEIC */
    extension: string;
    external_id?: string;
    /**
     * Stored bytes
     * @min -9007199254740991
     * @max 9007199254740991
     */
    filesize: number;
    /**
     * Frames of an animation; 1 for a still image
     * @min -9007199254740991
     * @max 9007199254740991
     */
    frames?: number;
    /** Some pixel is not fully opaque */
    has_alpha?: boolean;
    /**
     * @min -9007199254740991
     * @max 9007199254740991
     */
    height: number;
    /** The media id, 14 base62 characters */
    id: string;
    /** Present (true) when the owner lets `metadata=keep` on the link serve the full metadata (GPS included); absent: `keep` serves what `copyright` serves */
    keep_metadata?: true;
    /**
     * The viewer link: the HTML page for browsers, the image for everyone else
     * @format uri
     */
    link: string;
    /** What to paint before the image arrives; computed once when the image was stored */
    placeholder?: PlaceholderOutput;
    /** Whether anyone may see it without a key, on its viewer link and here; private media are not found but by their team. `PATCH {"public": …}` changes it */
    public: boolean;
    /** Ready-made responsive variants, as img.pro answers them: the short side at most 320, 640 and 1080 px (the long side for images twice as long as wide), never enlarged. For a 1200×630 social card, add `?size=social` to the link */
    sizes: {
        large: {
            /**
             * @min -9007199254740991
             * @max 9007199254740991
             */
            height: number;
            /**
             * The link with `?size=<name>`; add `&format=auto` for AVIF or WebP where accepted
             * @format uri
             */
            url: string;
            /**
             * @min -9007199254740991
             * @max 9007199254740991
             */
            width: number;
        };
        medium: {
            /**
             * @min -9007199254740991
             * @max 9007199254740991
             */
            height: number;
            /**
             * The link with `?size=<name>`; add `&format=auto` for AVIF or WebP where accepted
             * @format uri
             */
            url: string;
            /**
             * @min -9007199254740991
             * @max 9007199254740991
             */
            width: number;
        };
        small: {
            /**
             * @min -9007199254740991
             * @max 9007199254740991
             */
            height: number;
            /**
             * The link with `?size=<name>`; add `&format=auto` for AVIF or WebP where accepted
             * @format uri
             */
            url: string;
            /**
             * @min -9007199254740991
             * @max 9007199254740991
             */
            width: number;
        };
    };
    /**
     * @min -9007199254740991
     * @max 9007199254740991
     */
    width: number;
}
/** What to paint before the image arrives; computed once when the image was stored */
export interface Placeholder {
    /**
     * The mean colour, weighted by opacity
     * @pattern ^#[0-9a-f]{6}$
     */
    average_color: string;
    /** BlurHash, 4×3 components */
    blurhash: string;
    /**
     * The most common colour, transparent pixels not counted
     * @pattern ^#[0-9a-f]{6}$
     */
    dominant_color: string;
    /** ThumbHash (base64, about 25 bytes): a blurred preview with alpha and aspect ratio */
    thumbhash: string;
}
/** What to paint before the image arrives; computed once when the image was stored */
export interface PlaceholderOutput {
    /**
     * The mean colour, weighted by opacity
     * @pattern ^#[0-9a-f]{6}$
     */
    average_color: string;
    /** BlurHash, 4×3 components */
    blurhash: string;
    /**
     * The most common colour, transparent pixels not counted
     * @pattern ^#[0-9a-f]{6}$
     */
    dominant_color: string;
    /** ThumbHash (base64, about 25 bytes): a blurred preview with alpha and aspect ratio */
    thumbhash: string;
}
export interface UpdateMediaBatchData {
    media: Media[];
    not_found: string[];
    /**
     * @min -9007199254740991
     * @max 9007199254740991
     */
    updated: number;
}
export type UpdateMediaBatchError = Error;
export interface UpdateMediaBatchPayload {
    caption?: string | null;
    /**
     * @maxItems 100
     * @minItems 1
     */
    ids: string[];
    /** Whether `metadata=keep` on the viewer link serves the original's full metadata (GPS position, camera and device tags). Off by default: `keep` then serves what `copyright` serves. */
    keep_metadata?: boolean;
    public?: boolean;
    ttl?: (number | string) | null;
}
export type UpdateMediaData = Media;
export type UpdateMediaError = Error;
export interface UpdateMediaParams {
    /** The media id */
    id: string;
}
export interface UpdateMediaPayload {
    caption?: string | null;
    /** Whether `metadata=keep` on the viewer link serves the original's full metadata (GPS position, camera and device tags). Off by default: `keep` then serves what `copyright` serves. */
    keep_metadata?: boolean;
    public?: boolean;
    ttl?: (number | string) | null;
    [key: string]: any;
}
/** The media stored: the media object, plus `upgrade` for an anonymous upload */
export interface Upload {
    animated?: boolean;
    caption: string | null;
    /** The embedded ICC profile’s name (e.g. "Display P3"), else srgb, cmyk or b-w */
    color_space?: string;
    /**
     * When it was stored (Unix seconds)
     * @min -9007199254740991
     * @max 9007199254740991
     */
    created_at: number;
    /**
     * When it expires; absent for permanent media (Unix seconds)
     * @min -9007199254740991
     * @max 9007199254740991
     */
    expires_at?: number;
    /** Format as stored: jpeg, png, gif, webp, avif, svg, bmp, ico; jpg for HEIC */
    extension: string;
    external_id?: string;
    /**
     * Stored bytes
     * @min -9007199254740991
     * @max 9007199254740991
     */
    filesize: number;
    /**
     * Frames of an animation; 1 for a still image
     * @min -9007199254740991
     * @max 9007199254740991
     */
    frames?: number;
    /** Some pixel is not fully opaque */
    has_alpha?: boolean;
    /**
     * @min -9007199254740991
     * @max 9007199254740991
     */
    height: number;
    /** The media id, 14 base62 characters */
    id: string;
    /** Present (true) when the owner lets `metadata=keep` on the link serve the full metadata (GPS included); absent: `keep` serves what `copyright` serves */
    keep_metadata?: true;
    /**
     * The viewer link: the HTML page for browsers, the image for everyone else
     * @format uri
     */
    link: string;
    /** What to paint before the image arrives; computed once when the image was stored */
    placeholder?: PlaceholderOutput;
    /** Whether anyone may see it without a key, on its viewer link and here; private media are not found but by their team. `PATCH {"public": …}` changes it */
    public: boolean;
    /** Ready-made responsive variants, as img.pro answers them: the short side at most 320, 640 and 1080 px (the long side for images twice as long as wide), never enlarged. For a 1200×630 social card, add `?size=social` to the link */
    sizes: {
        large: {
            /**
             * @min -9007199254740991
             * @max 9007199254740991
             */
            height: number;
            /**
             * The link with `?size=<name>`; add `&format=auto` for AVIF or WebP where accepted
             * @format uri
             */
            url: string;
            /**
             * @min -9007199254740991
             * @max 9007199254740991
             */
            width: number;
        };
        medium: {
            /**
             * @min -9007199254740991
             * @max 9007199254740991
             */
            height: number;
            /**
             * The link with `?size=<name>`; add `&format=auto` for AVIF or WebP where accepted
             * @format uri
             */
            url: string;
            /**
             * @min -9007199254740991
             * @max 9007199254740991
             */
            width: number;
        };
        small: {
            /**
             * @min -9007199254740991
             * @max 9007199254740991
             */
            height: number;
            /**
             * The link with `?size=<name>`; add `&format=auto` for AVIF or WebP where accepted
             * @format uri
             */
            url: string;
            /**
             * @min -9007199254740991
             * @max 9007199254740991
             */
            width: number;
        };
    };
    /** How to keep images longer (anonymous uploads only) */
    upgrade?: {
        label: string;
        message: string;
        type: "register";
        /** @format uri */
        url: string;
    };
    /**
     * @min -9007199254740991
     * @max 9007199254740991
     */
    width: number;
    [key: string]: any;
}
export type UploadMediaData = Upload;
export type UploadMediaError = Error;
export interface UploadMediaPayload {
    /** @maxLength 2000 */
    caption?: string;
    /** @pattern ^[\x21-\x7e]{1,255}$ */
    external_id?: string;
    /**
     * The image
     * @format binary
     */
    file: File;
    /** Whether `metadata=keep` on the viewer link serves the original's full metadata (GPS position, camera and device tags). Off by default: `keep` then serves what `copyright` serves. */
    keep_metadata?: "true" | "false";
    public?: "true" | "false";
    ttl?: string;
    [key: string]: any;
}
export interface Usage {
    /** In GET /v1/usage once the monthly uploads or the storage are used up: the signed upgrade link an upload would be refused with */
    action?: {
        label: string;
        type: "upgrade";
        /** @format uri */
        url: string;
    };
    monthly: {
        /**
         * When the monthly count starts again (Unix seconds)
         * @min -9007199254740991
         * @max 9007199254740991
         */
        resets_at: number;
        /**
         * @min -9007199254740991
         * @max 9007199254740991
         */
        uploads: number;
        /**
         * @min -9007199254740991
         * @max 9007199254740991
         */
        uploads_limit: number;
        /**
         * @min -9007199254740991
         * @max 9007199254740991
         */
        uploads_remaining: number;
    };
    plan: "free" | "pro" | "scale" | "max";
    totals: {
        /**
         * @min -9007199254740991
         * @max 9007199254740991
         */
        media_stored: number;
        /**
         * @min -9007199254740991
         * @max 9007199254740991
         */
        storage_limit_bytes: number;
        /**
         * @min -9007199254740991
         * @max 9007199254740991
         */
        storage_remaining_bytes: number;
        /**
         * @min -9007199254740991
         * @max 9007199254740991
         */
        storage_used_bytes: number;
    };
}
/** @format binary */
export type ViewMediaAsData = File;
export type ViewMediaAsError = Error;
export interface ViewMediaAsParams {
    /** Fills transparency and the padding of fit=pad: a CSS colour (named, #rgb, #rrggbbaa, rgb(), rgba()) */
    background?: string;
    /** Gaussian blur radius in pixels, 1–250 */
    blur?: string;
    /** Multiplies R, G and B: 0–10, 1 unchanged */
    brightness?: string;
    /** Scales the distance from mid-grey: 0–10, 1 unchanged */
    contrast?: string;
    /** Device pixel ratio, 1–4 (decimals allowed): multiplies w and h (or size), never past the original */
    dpr?: string;
    /** jpg, jpeg, webp, avif, png, gif, or the stored svg, bmp, ico */
    ext: string;
    /** How w and h apply: scale-down (default), contain, cover, crop, pad */
    fit?: string;
    /** Mirror: h, v or hv */
    flip?: string;
    /** Output format: jpg (jpeg), webp, avif, png, gif, or auto: AVIF where the Accept header allows it, else WebP, else the stored format (an animation stays animated, as WebP or as stored; SVG stays SVG); or json: facts about the original and the variant the rest of the query serves (its size, format and bytes), as JSON (the ViewerFacts schema) */
    format?: string;
    /** out = in^gamma on values normalised to 0–1: 0–10, 0 and 1 unchanged */
    gamma?: string;
    /** The part a crop (fit=cover or crop) keeps: center (default), north, south, east, west, northeast, northwest, southeast, southwest, attention (the most salient region), entropy (the most detail), a focal point x×y as fractions of the width and height (0.3x0.6), or face (a 422 until a face model can be configured) */
    gravity?: string;
    /** Height in pixels of the picture as finally seen, 1–8192 */
    h?: string;
    /** The media id */
    id: string;
    /** EXIF kept: copyright (default), none, keep. keep serves the full metadata (GPS included) only where the media's keep_metadata allows it, else what copyright serves */
    metadata?: string;
    /** Quality of JPEG, WebP and AVIF, 1–100 */
    q?: string;
    /** Clockwise: 90, 180 or 270 */
    rotate?: string;
    /** Scales the distance from each pixel’s luma: 0–10, 0 greyscale, 1 unchanged */
    saturation?: string;
    /** foreground: remove the background (PNG with alpha unless format says otherwise) */
    segment?: string;
    /** Unsharp-mask strength, 0–10 */
    sharp?: string;
    /** A named size when neither w nor h is given: small, medium, large (the short side at most 320, 640, 1080 px; the long side for images twice as long as wide) or social (1200×630, cropped) */
    size?: string;
    /** Remove uniform borders first: auto, or a colour threshold of 1–100 (auto is 10) */
    trim?: string;
    /** Width in pixels of the picture as finally seen, 1–8192 */
    w?: string;
}
/** @format binary */
export type ViewMediaData = File;
export type ViewMediaError = Error;
export interface ViewMediaParams {
    /** Fills transparency and the padding of fit=pad: a CSS colour (named, #rgb, #rrggbbaa, rgb(), rgba()) */
    background?: string;
    /** Gaussian blur radius in pixels, 1–250 */
    blur?: string;
    /** Multiplies R, G and B: 0–10, 1 unchanged */
    brightness?: string;
    /** Scales the distance from mid-grey: 0–10, 1 unchanged */
    contrast?: string;
    /** Device pixel ratio, 1–4 (decimals allowed): multiplies w and h (or size), never past the original */
    dpr?: string;
    /** How w and h apply: scale-down (default), contain, cover, crop, pad */
    fit?: string;
    /** Mirror: h, v or hv */
    flip?: string;
    /** Output format: jpg (jpeg), webp, avif, png, gif, or auto: AVIF where the Accept header allows it, else WebP, else the stored format (an animation stays animated, as WebP or as stored; SVG stays SVG); or json: facts about the original and the variant the rest of the query serves (its size, format and bytes), as JSON (the ViewerFacts schema) */
    format?: string;
    /** out = in^gamma on values normalised to 0–1: 0–10, 0 and 1 unchanged */
    gamma?: string;
    /** The part a crop (fit=cover or crop) keeps: center (default), north, south, east, west, northeast, northwest, southeast, southwest, attention (the most salient region), entropy (the most detail), a focal point x×y as fractions of the width and height (0.3x0.6), or face (a 422 until a face model can be configured) */
    gravity?: string;
    /** Height in pixels of the picture as finally seen, 1–8192 */
    h?: string;
    /** The media id */
    id: string;
    /** EXIF kept: copyright (default), none, keep. keep serves the full metadata (GPS included) only where the media's keep_metadata allows it, else what copyright serves */
    metadata?: string;
    /** Quality of JPEG, WebP and AVIF, 1–100 */
    q?: string;
    /** Clockwise: 90, 180 or 270 */
    rotate?: string;
    /** Scales the distance from each pixel’s luma: 0–10, 0 greyscale, 1 unchanged */
    saturation?: string;
    /** foreground: remove the background (PNG with alpha unless format says otherwise) */
    segment?: string;
    /** Unsharp-mask strength, 0–10 */
    sharp?: string;
    /** A named size when neither w nor h is given: small, medium, large (the short side at most 320, 640, 1080 px; the long side for images twice as long as wide) or social (1200×630, cropped) */
    size?: string;
    /** Remove uniform borders first: auto, or a colour threshold of 1–100 (auto is 10) */
    trim?: string;
    /** Width in pixels of the picture as finally seen, 1–8192 */
    w?: string;
}
export interface ViewerFacts {
    id: string;
    /** The stored image, with its placeholder and facts */
    original: {
        animated?: boolean;
        /**
         * @min -9007199254740991
         * @max 9007199254740991
         */
        bytes: number;
        /** The embedded ICC profile’s name (e.g. "Display P3"), else srgb, cmyk or b-w */
        color_space?: string;
        content_type: string;
        /** jpeg, png, gif, webp, avif, svg, bmp or ico */
        format: string;
        /**
         * Frames of an animation; 1 for a still image
         * @min -9007199254740991
         * @max 9007199254740991
         */
        frames?: number;
        /** Some pixel is not fully opaque */
        has_alpha?: boolean;
        /**
         * Of one frame, for an animation
         * @min -9007199254740991
         * @max 9007199254740991
         */
        height: number;
        /** What to paint before the image arrives; computed once when the image was stored */
        placeholder?: PlaceholderOutput;
        /**
         * @min -9007199254740991
         * @max 9007199254740991
         */
        width: number;
    };
    /** What the same link without format=json serves: rendered, so its size in bytes is exact */
    variant: {
        /**
         * @min -9007199254740991
         * @max 9007199254740991
         */
        bytes: number;
        content_type: string;
        /** jpeg, png, gif, webp, avif, svg, bmp or ico */
        format: string;
        /**
         * Of one frame, for an animation
         * @min -9007199254740991
         * @max 9007199254740991
         */
        height: number;
        /**
         * @min -9007199254740991
         * @max 9007199254740991
         */
        width: number;
    };
}
export type QueryParamsType = Record<string | number, any>;
export type ResponseFormat = keyof Omit<Body, "body" | "bodyUsed">;
export interface FullRequestParams extends Omit<RequestInit, "body"> {
    /** set parameter to `true` for call `securityWorker` for this request */
    secure?: boolean;
    /** request path */
    path: string;
    /** content type of request body */
    type?: ContentType;
    /** query params */
    query?: QueryParamsType;
    /** format of response (i.e. response.json() -> format: "json") */
    format?: ResponseFormat;
    /** request body */
    body?: unknown;
    /** base url */
    baseUrl?: string;
    /** request cancellation token */
    cancelToken?: CancelToken;
}
export type RequestParams = Omit<FullRequestParams, "body" | "method" | "query" | "path">;
export interface ApiConfig<SecurityDataType = unknown> {
    baseUrl?: string;
    baseApiParams?: Omit<RequestParams, "baseUrl" | "cancelToken" | "signal">;
    securityWorker?: (securityData: SecurityDataType | null) => Promise<RequestParams | void> | RequestParams | void;
    customFetch?: typeof fetch;
}
export interface HttpResponse<D extends unknown, E extends unknown = unknown> extends Response {
    data: D;
    error: E;
}
type CancelToken = Symbol | string | number;
export type ContentType = "application/json" | "application/vnd.api+json" | "multipart/form-data" | "application/x-www-form-urlencoded" | "text/plain";
export declare class HttpClient<SecurityDataType = unknown> {
    baseUrl: string;
    private securityData;
    private securityWorker?;
    private abortControllers;
    private customFetch;
    private baseApiParams;
    constructor(apiConfig?: ApiConfig<SecurityDataType>);
    setSecurityData: (data: SecurityDataType | null) => void;
    protected encodeQueryParam(key: string, value: any): string;
    protected addQueryParam(query: QueryParamsType, key: string): string;
    protected addArrayQueryParam(query: QueryParamsType, key: string): any;
    protected toQueryString(rawQuery?: QueryParamsType): string;
    protected addQueryParams(rawQuery?: QueryParamsType): string;
    private contentFormatters;
    protected mergeRequestParams(params1: RequestParams, params2?: RequestParams): RequestParams;
    protected createAbortSignal: (cancelToken: CancelToken) => AbortSignal | undefined;
    abortRequest: (cancelToken: CancelToken) => void;
    request: <T = any, E = any>({ body, secure, path, type, query, format, baseUrl, cancelToken, ...params }: FullRequestParams) => Promise<HttpResponse<T, E>>;
}
/**
 * @title imgpro API
 * @version 1.0.0
 * @baseUrl /
 *
 * Self-hosted, img.pro-compatible image sharing API.
 */
export declare class Api<SecurityDataType extends unknown> extends HttpClient<SecurityDataType> {
    v1: {
        /**
         * No description
         *
         * @name UploadMedia
         * @summary Upload an image (multipart)
         * @request POST:/v1/upload
         * @secure
         * @response `201` `UploadMediaData` Stored
         * @response `401` `Error` Missing or invalid API key (unauthorized)
         * @response `403` `Error` The key lacks the needed ability (forbidden), or a quota is used up (quota_exceeded, with an upgrade action and the usage)
         * @response `409` `Error` The external_id is already used in this team (external_id_duplicate); or a request with this Idempotency-Key is still in progress (idempotency_key_in_progress): retry after Retry-After
         * @response `413` `Error` The request is larger than the API takes (payload_too_large); send large files with POST /v1/uploads
         * @response `422` `Error` Invalid input (validation_error); `errors` names each field; or the Idempotency-Key was used for another request (idempotency_key_reused)
         * @response `429` `Error` The anonymous upload limit is reached (rate_limited); see Retry-After and the wait action
         * @response `500` `Error` Something failed on our side; the request id helps the operator find out what
         */
        uploadMedia: (data: UploadMediaPayload, params?: RequestParams) => Promise<HttpResponse<Upload, Error>>;
        /**
         * No description
         *
         * @name ImportMedia
         * @summary Import an image from a URL (the same answer as an upload)
         * @request POST:/v1/import
         * @secure
         * @response `201` `ImportMediaData` Stored
         * @response `401` `Error` Missing or invalid API key (unauthorized)
         * @response `403` `Error` The key lacks the needed ability (forbidden), or a quota is used up (quota_exceeded, with an upgrade action and the usage)
         * @response `409` `Error` The external_id is already used in this team (external_id_duplicate); or a request with this Idempotency-Key is still in progress (idempotency_key_in_progress): retry after Retry-After
         * @response `413` `Error` The request is larger than the API takes (payload_too_large); send large files with POST /v1/uploads
         * @response `422` `Error` Invalid input (validation_error); `errors` names each field; or the Idempotency-Key was used for another request (idempotency_key_reused)
         * @response `429` `Error` The anonymous upload limit is reached (rate_limited); see Retry-After and the wait action
         * @response `500` `Error` Something failed on our side; the request id helps the operator find out what
         * @response `502` `Error` The URL could not be fetched (fetch_failed)
         * @response `504` `Error` Fetching the URL timed out (fetch_failed)
         */
        importMedia: (data: ImportMediaPayload, params?: RequestParams) => Promise<HttpResponse<Upload, Error>>;
        /**
         * No description
         *
         * @name CreateDirectUpload
         * @summary Start a direct upload to storage (for files too large for /v1/upload)
         * @request POST:/v1/uploads
         * @secure
         * @response `201` `CreateDirectUploadData` A presigned POST: send the form fields, then the file, to `upload.url`. The upload is counted now
         * @response `401` `Error` Missing or invalid API key (unauthorized)
         * @response `403` `Error` The key lacks the needed ability (forbidden), or a quota is used up (quota_exceeded, with an upgrade action and the usage)
         * @response `409` `Error` A request with this Idempotency-Key is still in progress (idempotency_key_in_progress): retry after Retry-After
         * @response `413` `Error` The request is larger than the API takes (payload_too_large); send large files with POST /v1/uploads
         * @response `422` `Error` Invalid input (validation_error); `errors` names each field; or the Idempotency-Key was used for another request (idempotency_key_reused)
         * @response `429` `Error` The anonymous upload limit is reached (rate_limited); see Retry-After and the wait action
         * @response `500` `Error` Something failed on our side; the request id helps the operator find out what
         */
        createDirectUpload: (data: CreateDirectUploadPayload, params?: RequestParams) => Promise<HttpResponse<CreateDirectUploadData, Error>>;
        /**
         * No description
         *
         * @name CompleteDirectUpload
         * @summary Check the uploaded file and store it as media
         * @request POST:/v1/uploads/{upload_id}/complete
         * @secure
         * @response `201` `CompleteDirectUploadData` Stored
         * @response `401` `Error` Missing or invalid API key (unauthorized)
         * @response `403` `Error` The key lacks the needed ability (forbidden), or a quota is used up (quota_exceeded, with an upgrade action and the usage)
         * @response `404` `Error` No such image, or not yours (not_found)
         * @response `409` `Error` The external_id is already used in this team (external_id_duplicate)
         * @response `422` `Error` Invalid input (validation_error); `errors` names each field
         * @response `429` `Error` The anonymous upload limit is reached (rate_limited); see Retry-After and the wait action
         * @response `500` `Error` Something failed on our side; the request id helps the operator find out what
         */
        completeDirectUpload: ({ uploadId }: CompleteDirectUploadParams, params?: RequestParams) => Promise<HttpResponse<Upload, Error>>;
        /**
         * No description
         *
         * @name ListMedia
         * @summary List the team's media, newest first
         * @request GET:/v1/media
         * @secure
         * @response `200` `ListMediaData` A page of media
         * @response `401` `Error` Missing or invalid API key (unauthorized)
         * @response `403` `Error` The key lacks the needed ability (forbidden), or a quota is used up (quota_exceeded, with an upgrade action and the usage)
         * @response `422` `Error` Invalid input (validation_error); `errors` names each field
         */
        listMedia: (query?: ListMediaParams, params?: RequestParams) => Promise<HttpResponse<ListMediaData, Error>>;
        /**
         * No description
         *
         * @name GetMedia
         * @summary Get one image
         * @request GET:/v1/media/{id}
         * @secure
         * @response `200` `GetMediaData` The image
         * @response `401` `Error` Missing or invalid API key (unauthorized)
         * @response `403` `Error` The key lacks the needed ability (forbidden), or a quota is used up (quota_exceeded, with an upgrade action and the usage)
         * @response `404` `Error` No such image, or not yours (not_found)
         */
        getMedia: ({ id }: GetMediaParams, params?: RequestParams) => Promise<HttpResponse<Media, Error>>;
        /**
         * @description The hosted service’s tags, namespace, nsfw, tool, defaults and description are refused.
         *
         * @name UpdateMedia
         * @summary Change caption, visibility, metadata policy, ttl or attribution metadata (null removes)
         * @request PATCH:/v1/media/{id}
         * @secure
         * @response `200` `UpdateMediaData` Updated
         * @response `401` `Error` Missing or invalid API key (unauthorized)
         * @response `403` `Error` The key lacks the needed ability (forbidden), or a quota is used up (quota_exceeded, with an upgrade action and the usage)
         * @response `404` `Error` No such image, or not yours (not_found)
         * @response `409` `Error` The external_id is already used in this team (external_id_duplicate)
         * @response `413` `Error` The request is larger than the API takes (payload_too_large); send large files with POST /v1/uploads
         * @response `422` `Error` Invalid input (validation_error); `errors` names each field
         */
        updateMedia: ({ id }: UpdateMediaParams, data: UpdateMediaPayload, params?: RequestParams) => Promise<HttpResponse<Media, Error>>;
        /**
         * No description
         *
         * @name DeleteMedia
         * @summary Delete an image
         * @request DELETE:/v1/media/{id}
         * @secure
         * @response `204` `DeleteMediaData` Deleted
         * @response `401` `Error` Missing or invalid API key (unauthorized)
         * @response `403` `Error` The key lacks the needed ability (forbidden), or a quota is used up (quota_exceeded, with an upgrade action and the usage)
         * @response `404` `Error` No such image, or not yours (not_found)
         */
        deleteMedia: ({ id }: DeleteMediaParams, params?: RequestParams) => Promise<HttpResponse<any, Error>>;
        /**
         * No description
         *
         * @name UpdateMediaBatch
         * @summary Change up to 100 images the same way
         * @request PATCH:/v1/media/batch
         * @secure
         * @response `200` `UpdateMediaBatchData` What was updated, and which ids were not found
         * @response `401` `Error` Missing or invalid API key (unauthorized)
         * @response `403` `Error` The key lacks the needed ability (forbidden), or a quota is used up (quota_exceeded, with an upgrade action and the usage)
         * @response `409` `Error` The external_id is already used in this team (external_id_duplicate)
         * @response `413` `Error` The request is larger than the API takes (payload_too_large); send large files with POST /v1/uploads
         * @response `422` `Error` Invalid input (validation_error); `errors` names each field
         */
        updateMediaBatch: (data: UpdateMediaBatchPayload, params?: RequestParams) => Promise<HttpResponse<UpdateMediaBatchData, Error>>;
        /**
         * No description
         *
         * @name DeleteMediaBatch
         * @summary Delete up to 100 images
         * @request DELETE:/v1/media/batch
         * @secure
         * @response `200` `DeleteMediaBatchData` How many were deleted, and which ids were not found
         * @response `401` `Error` Missing or invalid API key (unauthorized)
         * @response `403` `Error` The key lacks the needed ability (forbidden), or a quota is used up (quota_exceeded, with an upgrade action and the usage)
         * @response `413` `Error` The request is larger than the API takes (payload_too_large); send large files with POST /v1/uploads
         * @response `422` `Error` Invalid input (validation_error); `errors` names each field
         */
        deleteMediaBatch: (data: DeleteMediaBatchPayload, params?: RequestParams) => Promise<HttpResponse<DeleteMediaBatchData, Error>>;
        /**
         * No description
         *
         * @name GetUsage
         * @summary The team's monthly uploads and storage against its plan
         * @request GET:/v1/usage
         * @secure
         * @response `200` `GetUsageData` Usage
         * @response `401` `Error` Missing or invalid API key (unauthorized)
         * @response `403` `Error` The key lacks the needed ability (forbidden), or a quota is used up (quota_exceeded, with an upgrade action and the usage)
         */
        getUsage: (params?: RequestParams) => Promise<HttpResponse<Usage, Error>>;
        /**
         * @description Needs no key. The key is in this answer only. At most 5 registrations per email and 20 per client address each hour; the operator may limit the email domains. A deployment with registration closed answers 403 registration_closed, with a contact action.
         *
         * @name CreateKey
         * @summary Get an API key: a team on the free plan and its first key (when the operator opens registration)
         * @request POST:/v1/keys
         * @response `201` `CreateKeyData` The new key, shown once
         * @response `403` `Error` Registration is closed on this deployment (registration_closed); see the action
         * @response `413` `Error` The request is larger than the API takes (payload_too_large); send large files with POST /v1/uploads
         * @response `422` `Error` Invalid input (validation_error); `errors` names each field
         * @response `429` `Error` Too many registrations for this email or from this address this hour (rate_limited); see Retry-After
         */
        createKey: (data: CreateKeyPayload, params?: RequestParams) => Promise<HttpResponse<Key, Error>>;
    };
    openapiJson: {
        /**
         * No description
         *
         * @name GetOpenApi
         * @summary This document
         * @request GET:/openapi.json
         * @response `200` `GetOpenApiData` OpenAPI 3.1
         */
        getOpenApi: (params?: RequestParams) => Promise<HttpResponse<GetOpenApiData, any>>;
    };
    id: {
        /**
         * @description Served at PUBLIC_BASE_URL (on AWS, the ViewerBaseUrl output), not under the API. A value that is malformed or out of range is ignored, never an error; so is an unknown parameter. A valid request that cannot be served is a 422: beyond the render budget, or gravity=face without a face model. Also answers HEAD.
         *
         * @name ViewMedia
         * @summary A viewer link
         * @request GET:/{id}
         * @response `200` `ViewMediaData` The image, or for a browser (Accept preferring text/html) the HTML page that shows it
         * @response `304` `void` If-None-Match matched: the same variant as before
         * @response `404` `Error` No such image, or not yours (not_found)
         * @response `422` `Error` Invalid input (validation_error); `errors` names each field
         */
        viewMedia: ({ id, ...query }: ViewMediaParams, params?: RequestParams) => Promise<HttpResponse<File, Error>>;
    };
    idExt: {
        /**
         * @description Served at PUBLIC_BASE_URL (on AWS, the ViewerBaseUrl output), not under the API. A value that is malformed or out of range is ignored, never an error; so is an unknown parameter. A valid request that cannot be served is a 422: beyond the render budget, or gravity=face without a face model. Also answers HEAD.
         *
         * @name ViewMediaAs
         * @summary A viewer link that always answers image bytes; the extension acts as `format`
         * @request GET:/{id}.{ext}
         * @response `200` `ViewMediaAsData` The image, or for a browser (Accept preferring text/html) the HTML page that shows it
         * @response `304` `void` If-None-Match matched: the same variant as before
         * @response `404` `Error` No such image, or not yours (not_found)
         * @response `422` `Error` Invalid input (validation_error); `errors` names each field
         */
        viewMediaAs: ({ id, ext, ...query }: ViewMediaAsParams, params?: RequestParams) => Promise<HttpResponse<File, Error>>;
    };
}
export {};
