/**
 * The HTTP API's routes, each served by its own entry module (one Lambda per route on AWS). The
 * local runtime and the CDK stack both read this table, so they cannot drift apart; `access` is what
 * the route's function may touch, and the stack grants exactly that.
 */
/**
 * A DynamoDB data-plane action on the service table, as IAM names it. A transaction needs the action
 * of each item it writes (`Put` → PutItem, `Update` → UpdateItem, `Delete` → DeleteItem,
 * `ConditionCheck` → ConditionCheckItem); there is no TransactWriteItems action. `Query` reaches the
 * table's indexes too.
 */
export type TableAction =
  | 'GetItem'
  | 'BatchGetItem'
  | 'Query'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'ConditionCheckItem';

export interface RouteAccess {
  /** Exactly the table actions the function performs (test/e2e/table-actions.test.ts watches them). */
  table?: readonly TableAction[];
  /**
   * Operations on the originals bucket (`list`: key names under the prefixes the cleanup sweeps;
   * `get`: reading without the right to learn that a key is missing, for keys just listed).
   */
  originals?: readonly ('read' | 'get' | 'put' | 'delete' | 'list')[];
  /** Reads the upgrade-link signing secret (routes that can answer quota_exceeded). */
  upgradeSecret?: boolean;
}

export interface RouteDefinition {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** API Gateway path syntax: `{name}` captures one segment. */
  path: string;
  /** Entry module, relative to `lambdas/http/`, without extension. */
  entry: string;
  access: RouteAccess;
  /**
   * Files built beside the function's bundle, gzip-compressed: the name the function reads them by
   * → their path from the repository root (where the handler's source finds them when run locally).
   */
  assets?: Readonly<Record<string, string>>;
}

/** Where the docs page loads its script from (the API's CDN caches this path). */
export const DOCS_SCRIPT_PATH = '/docs/scalar.js';

/** The docs page's script: Scalar's self-contained browser build (4.9 MB; 1.4 MB gzip-compressed). */
export const DOCS_SCRIPT_ASSET = {
  name: 'scalar.js.gz',
  source: 'node_modules/@scalar/api-reference/dist/browser/standalone.js',
} as const;

/** What several routes do to the table, named once. */
export const TABLE_WORK = {
  /** A caller's key, then its team (`core/caller`, `core/api-keys`, `core/teams`). */
  authenticate: ['GetItem'],
  /**
   * An upload admitted and counted: the team's usage (GetItem) or an anonymous address's windows
   * (BatchGetItem), counted up and given back (UpdateItem).
   */
  countUpload: ['GetItem', 'BatchGetItem', 'UpdateItem'],
  /**
   * Media stored in one transaction: the item (Put), the team's counters (Update), its external id
   * claimed (Put).
   */
  storeMedia: ['PutItem', 'UpdateItem'],
  /** Powertools' DynamoDB persistence of an Idempotency-Key: read, claim, complete, release. */
  idempotency: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'],
  /**
   * Media retired in one transaction: the item (Update), the team's counters (Update), its external
   * id released (Delete).
   */
  retireMedia: ['UpdateItem', 'DeleteItem'],
} as const satisfies Record<string, readonly TableAction[]>;

/** The union of some table work, each action once, in a stable order. */
export const tableActions = (...work: (readonly TableAction[])[]): readonly TableAction[] =>
  [...new Set(work.flat())].sort();

const { authenticate, countUpload, storeMedia, idempotency, retireMedia } = TABLE_WORK;
const store: RouteAccess = { originals: ['put', 'delete'], upgradeSecret: true };

export const ROUTES: readonly RouteDefinition[] = [
  {
    method: 'POST',
    path: '/v1/upload',
    entry: 'upload',
    access: { ...store, table: tableActions(authenticate, idempotency, countUpload, storeMedia) },
  },
  {
    method: 'POST',
    path: '/v1/import',
    entry: 'import',
    access: { ...store, table: tableActions(authenticate, idempotency, countUpload, storeMedia) },
  },
  // Files too large for a Lambda request (6 MB, base64 included) go straight to S3, then are completed here.
  {
    method: 'POST',
    path: '/v1/uploads',
    entry: 'create-direct-upload',
    // The intent is a PutItem of its own.
    access: { ...store, originals: ['put'], table: tableActions(authenticate, idempotency, countUpload) },
  },
  {
    method: 'POST',
    path: '/v1/uploads/{upload_id}/complete',
    entry: 'complete-direct-upload',
    // The intent is read, then consumed (Delete) in the transaction that stores the media.
    access: {
      ...store,
      originals: ['read', 'put', 'delete'],
      table: tableActions(authenticate, countUpload, storeMedia, ['DeleteItem']),
    },
  },
  // `ids=` reads the media by key (BatchGetItem); otherwise the team's index is queried.
  {
    method: 'GET',
    path: '/v1/media',
    entry: 'list-media',
    access: { table: tableActions(authenticate, ['BatchGetItem', 'Query']) },
  },
  { method: 'GET', path: '/v1/media/{id}', entry: 'get-media', access: { table: authenticate } },
  {
    method: 'PATCH',
    path: '/v1/media/{id}',
    entry: 'update-media',
    access: { table: tableActions(authenticate, ['UpdateItem']) },
  },
  {
    method: 'DELETE',
    path: '/v1/media/{id}',
    entry: 'delete-media',
    access: { table: tableActions(authenticate, retireMedia) },
  },
  // API Gateway prefers the literal segment over {id}, so "batch" is never taken for an id.
  {
    method: 'PATCH',
    path: '/v1/media/batch',
    entry: 'update-media-batch',
    access: { table: tableActions(authenticate, ['BatchGetItem', 'UpdateItem']) },
  },
  {
    method: 'DELETE',
    path: '/v1/media/batch',
    entry: 'delete-media-batch',
    access: { table: tableActions(authenticate, ['BatchGetItem'], retireMedia) },
  },
  // A full quota's usage carries the signed upgrade link, as the upload it refuses would.
  {
    method: 'GET',
    path: '/v1/usage',
    entry: 'usage',
    access: { table: authenticate, upgradeSecret: true },
  },
  // Self-service keys: the email's and the address's windows counted (and given back on failure),
  // then the team and its key written.
  {
    method: 'POST',
    path: '/v1/keys',
    entry: 'register-key',
    access: { table: tableActions(['UpdateItem', 'PutItem']) },
  },
  { method: 'GET', path: '/openapi.json', entry: 'openapi', access: {} },
  // For people and agents: the interactive reference, and the contract as text for language models.
  { method: 'GET', path: '/docs', entry: 'docs', access: {} },
  {
    method: 'GET',
    path: DOCS_SCRIPT_PATH,
    entry: 'docs-script',
    access: {},
    assets: { [DOCS_SCRIPT_ASSET.name]: DOCS_SCRIPT_ASSET.source },
  },
  { method: 'GET', path: '/llms.txt', entry: 'llms', access: {} },
];
