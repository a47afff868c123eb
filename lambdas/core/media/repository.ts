import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { AppError } from '#core/errors';
import type { Media } from '#core/media/media';
import { keys } from '#core/store/keys';

export interface MediaRepository {
  /**
   * Stores new media in one transaction with everything that must agree with it: the team's
   * storage counters, its monthly upload counter and the external id guard.
   */
  create(media: Media, options: { month: string }): Promise<void>;
  get(id: string): Promise<Media | undefined>;
}

export const externalIdTaken = (): AppError =>
  new AppError(
    409,
    'external_id_duplicate',
    'This external_id is already used by another media item of your team.',
  );

export const createMediaRepository = ({
  db,
  tableName,
}: {
  db: DynamoDBDocumentClient;
  tableName: string;
}): MediaRepository => ({
  async create(media, { month }) {
    const put = {
      Put: { TableName: tableName, Item: toItem(media), ConditionExpression: 'attribute_not_exists(pk)' },
    };
    const teamWrites = media.teamId === undefined ? [] : teamEffects(tableName, media, media.teamId, month);
    try {
      await db.send(new TransactWriteCommand({ TransactItems: [put, ...teamWrites] }));
    } catch (error) {
      // Cancellation reasons come in TransactItems order; the external id guard is always last.
      if (
        error instanceof TransactionCanceledException &&
        media.externalId !== undefined &&
        error.CancellationReasons?.at(-1)?.Code === 'ConditionalCheckFailed'
      ) {
        throw externalIdTaken();
      }
      throw error;
    }
  },

  async get(id) {
    const { Item } = await db.send(
      new GetCommand({ TableName: tableName, Key: keys.media(id), ConsistentRead: true }),
    );
    return Item ? fromItem(Item) : undefined;
  },
});

const teamEffects = (tableName: string, media: Media, teamId: string, month: string) => [
  {
    Update: {
      TableName: tableName,
      Key: keys.team(teamId),
      UpdateExpression: 'ADD storage_used_bytes :bytes, media_stored :one',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':bytes': media.filesize, ':one': 1 },
    },
  },
  {
    Update: {
      TableName: tableName,
      Key: keys.monthlyUsage(teamId, month),
      UpdateExpression: 'ADD uploads :one',
      ExpressionAttributeValues: { ':one': 1 },
    },
  },
  ...(media.externalId === undefined
    ? []
    : [
        {
          Put: {
            TableName: tableName,
            Item: { ...keys.externalId(teamId, media.externalId), media_id: media.id },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ]),
];

type Item = Record<string, unknown>;

const toItem = (media: Media): Item => ({
  ...keys.media(media.id),
  ...(media.teamId !== undefined && keys.mediaByTeam(media.teamId, media.createdAtMs, media.id)),
  ...(media.expiresAt !== undefined && keys.mediaByExpiry(media.expiresAt, media.id)),
  id: media.id,
  team_id: media.teamId,
  extension: media.extension,
  content_type: media.contentType,
  width: media.width,
  height: media.height,
  filesize: media.filesize,
  caption: media.caption,
  attribution: media.attribution,
  public: media.public,
  external_id: media.externalId,
  created_at_ms: media.createdAtMs,
  expires_at: media.expiresAt,
  deleted_at: media.deletedAt,
  object_key: media.objectKey,
});

const fromItem = (item: Item): Media => ({
  id: item.id as string,
  teamId: item.team_id as string | undefined,
  extension: item.extension as string,
  contentType: item.content_type as string,
  width: item.width as number,
  height: item.height as number,
  filesize: item.filesize as number,
  caption: item.caption as string | undefined,
  attribution: (item.attribution as Record<string, string> | undefined) ?? {},
  public: item.public as boolean,
  externalId: item.external_id as string | undefined,
  createdAtMs: item.created_at_ms as number,
  expiresAt: item.expires_at as number | undefined,
  deletedAt: item.deleted_at as number | undefined,
  objectKey: item.object_key as string,
});
