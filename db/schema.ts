/**
 * The whole BlobHub schema as code. Platform core first, then one section per engine.
 * Migrations in db/migrations are generated from this file with `npm run db:generate`.
 */
import { sql } from 'drizzle-orm';
import { bigint, boolean, foreignKey, index, integer, jsonb, pgSequence, pgTable, primaryKey, real, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const createdAt = () => ts('created_at').notNull().defaultNow();
const updatedAt = () => ts('updated_at').notNull().defaultNow();

// ---------------------------------------------------------------- platform core

export const users = pgTable('users', {
  id: text('id').primaryKey(),
  email: text('email').notNull().unique(),
  name: text('name').notNull(),
  passwordHash: text('password_hash').notNull(),
  isInstanceAdmin: boolean('is_instance_admin').notNull().default(false),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** Opaque bearer tokens (access and refresh), stored as SHA-256 hashes only. */
export const authTokens = pgTable(
  'auth_tokens',
  {
    id: text('id').primaryKey(),
    /** `setup`: the one-time link that sets the first admin's password */
    kind: text('kind', { enum: ['access', 'refresh', 'setup'] }).notNull(),
    /** null for anonymous tokens */
    userId: text('user_id').references(() => users.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull().unique(),
    expiresAt: ts('expires_at').notNull(),
    revokedAt: ts('revoked_at'),
    createdAt: createdAt(),
  },
  (t) => [index('auth_tokens_user_idx').on(t.userId)],
);

export const orgs = pgTable('orgs', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  displayName: text('display_name'),
  description: text('description'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const memberTargets = ['org', 'blob'] as const;
export const roles = ['read', 'write', 'admin'] as const;

export const members = pgTable(
  'members',
  {
    targetType: text('target_type', { enum: memberTargets }).notNull(),
    targetId: text('target_id').notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role', { enum: roles }).notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.targetType, t.targetId, t.userId] }), index('members_user_idx').on(t.userId)],
);

/**
 * An invitation to join an org with a role, by a link whose token is stored as its SHA-256 only.
 * Pending while none of accepted_at, revoked_at is set and expires_at is ahead.
 */
export const invitations = pgTable(
  'invitations',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => orgs.id, { onDelete: 'cascade' }),
    /** who may accept it; null: whoever holds the link */
    email: text('email'),
    role: text('role', { enum: roles }).notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    createdBy: text('created_by').references(() => users.id, { onDelete: 'set null' }),
    expiresAt: ts('expires_at').notNull(),
    acceptedAt: ts('accepted_at'),
    acceptedBy: text('accepted_by').references(() => users.id, { onDelete: 'set null' }),
    revokedAt: ts('revoked_at'),
    createdAt: createdAt(),
  },
  (t) => [index('invitations_org_idx').on(t.orgId)],
);

export const keyTargets = ['org', 'blob', 'user'] as const;

export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    targetType: text('target_type', { enum: keyTargets }).notNull(),
    targetId: text('target_id').notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** `admin` acts with the creator's full rights on the target */
    role: text('role', { enum: ['read', 'write', 'admin'] }).notNull(),
    description: text('description'),
    prefix: text('prefix').notNull(),
    secretHash: text('secret_hash').notNull().unique(),
    createdAt: createdAt(),
    revokedAt: ts('revoked_at'),
  },
  (t) => [index('api_keys_target_idx').on(t.targetType, t.targetId)],
);

export const credentials = pgTable(
  'credentials',
  {
    id: text('id').primaryKey(),
    targetType: text('target_type', { enum: ['user', 'org', 'blob'] }).notNull(),
    targetId: text('target_id').notNull(),
    alias: text('alias').notNull(),
    type: text('type').notNull(),
    description: text('description'),
    /** AES-256-GCM: base64 of iv | auth tag | ciphertext */
    encryptedBody: text('encrypted_body').notNull(),
    /** hosts (`host`, `host:port`, `*.domain`) a component may send this credential to; none = nowhere */
    allowedHosts: jsonb('allowed_hosts').$type<string[]>().notNull().default([]),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('credentials_alias_idx').on(t.targetType, t.targetId, t.alias)],
);

export const blobTypes = ['workflow', 'scheduler', 'onnx'] as const;

export const blobs = pgTable(
  'blobs',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => orgs.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    type: text('type', { enum: blobTypes }).notNull(),
    visibility: text('visibility', { enum: ['private', 'public'] }).notNull(),
    description: text('description'),
    latestRevisionId: text('latest_revision_id'),
    latestSnapshotId: text('latest_snapshot_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('blobs_org_name_idx').on(t.orgId, t.name)],
);

export const revisionPhases = ['draft', 'commit', 'snapshot'] as const;

export const revisions = pgTable(
  'revisions',
  {
    id: text('id').primaryKey(),
    blobId: text('blob_id')
      .notNull()
      .references(() => blobs.id, { onDelete: 'cascade' }),
    number: integer('number').notNull(),
    phase: text('phase', { enum: revisionPhases }).notNull(),
    status: text('status', { enum: ['ready', 'processing', 'failed'] })
      .notNull()
      .default('ready'),
    statusReason: text('status_reason'),
    /** a note on what the revision is for (BlobHub's clients set it when they create one) */
    comment: text('comment'),
    parentRevisionId: text('parent_revision_id'),
    contentHash: text('content_hash'),
    createdBy: text('created_by'),
    createdAt: createdAt(),
    committedAt: ts('committed_at'),
    snapshottedAt: ts('snapshotted_at'),
  },
  (t) => [
    uniqueIndex('revisions_blob_number_idx').on(t.blobId, t.number),
    // One open draft per blob, enforced by the database itself.
    uniqueIndex('revisions_one_draft_idx')
      .on(t.blobId)
      .where(sql`phase = 'draft'`),
  ],
);

export const metadata = pgTable(
  'metadata',
  {
    targetType: text('target_type', { enum: ['blob', 'revision'] }).notNull(),
    targetId: text('target_id').notNull(),
    key: text('key').notNull(),
    value: jsonb('value').notNull(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.targetType, t.targetId, t.key] })],
);

export const operationStatuses = ['pending', 'running', 'succeeded', 'failed', 'cancelled'] as const;

export const operations = pgTable(
  'operations',
  {
    id: text('id').primaryKey(),
    type: text('type').notNull(),
    status: text('status', { enum: operationStatuses }).notNull().default('pending'),
    progress: real('progress').notNull().default(0),
    targetType: text('target_type').notNull(),
    targetId: text('target_id').notNull(),
    result: jsonb('result'),
    error: jsonb('error'),
    createdBy: text('created_by'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('operations_target_idx').on(t.targetType, t.targetId)],
);

/**
 * The durable event log shared by every engine and the realtime API. Session events are ordered
 * by a per-session seq (allocated under the session row lock); core events (blob, revision,
 * operation changes) have session_id null and take this sequence under their org's row lock.
 * dedupe_key makes recording idempotent when an activity is retried.
 */
/** Orders core events (session_id null); session events use the session's own counter. */
export const coreEventSeq = pgSequence('core_event_seq');

export const events = pgTable(
  'events',
  {
    id: text('id').primaryKey(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    orgId: text('org_id'),
    blobId: text('blob_id'),
    revisionId: text('revision_id'),
    sessionId: text('session_id'),
    executionId: text('execution_id'),
    type: text('type').notNull(),
    message: text('message'),
    attributes: jsonb('attributes'),
    data: jsonb('data'),
    dedupeKey: text('dedupe_key').unique(),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
  },
  (t) => [
    index('events_session_seq_idx').on(t.sessionId, t.seq),
    index('events_execution_seq_idx').on(t.executionId, t.seq),
    index('events_revision_idx').on(t.revisionId),
    index('events_blob_idx').on(t.blobId),
    index('events_org_idx').on(t.orgId),
    // list_executions' component_failed filter: the failures of one execution
    index('events_execution_failures_idx')
      .on(t.executionId)
      .where(sql`type = 'processor.error' or (type = 'processor.exited' and attributes->>'route' = 'failure')`),
    // the audit retention sweep (core/audit.ts)
    index('events_audit_created_idx')
      .on(t.createdAt)
      .where(sql`type like 'audit.%'`),
  ],
);

/** How a change reached the platform (docs/spec.md §3 "Audit log"). */
export const auditChannels = ['rest', 'trpc', 'websocket', 'schedule', 'webhook', 'system'] as const;

/**
 * The audit log: one row per change, written in the change's own transaction. No foreign keys:
 * the record of a deletion outlives what was deleted (until the retention sweep).
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: text('id').primaryKey(),
    /** null for a user's personal keys and credentials */
    orgId: text('org_id'),
    actorUserId: text('actor_user_id'),
    actorKeyId: text('actor_key_id'),
    via: text('via', { enum: auditChannels }).notNull(),
    clientIp: text('client_ip'),
    userAgent: text('user_agent'),
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id').notNull(),
    /** what changed: `{field: {from, to}}` for updates, the fields set for creations; never a secret */
    changes: jsonb('changes'),
    createdAt: createdAt(),
  },
  (t) => [
    // the org's list, newest first by id, and its target filter
    index('audit_log_org_idx').on(t.orgId, t.id),
    index('audit_log_org_target_idx').on(t.orgId, t.targetId, t.id),
    // the retention sweep
    index('audit_log_created_idx').on(t.createdAt),
  ],
);

// ---------------------------------------------------------------- workflow engine

export const definitions = pgTable(
  'workflow_definitions',
  {
    id: text('id').primaryKey(),
    revisionId: text('revision_id')
      .notNull()
      .references(() => revisions.id, { onDelete: 'cascade' }),
    alias: text('alias').notNull(),
    contentHash: text('content_hash').notNull(),
    definition: jsonb('definition').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('workflow_definitions_alias_idx').on(t.revisionId, t.alias)],
);

export const sessions = pgTable(
  'workflow_sessions',
  {
    id: text('id').primaryKey(),
    revisionId: text('revision_id')
      .notNull()
      .references(() => revisions.id, { onDelete: 'cascade' }),
    name: text('name'),
    /** BlobHub's clients address a session by alias as well as by id; unique in its revision */
    alias: text('alias'),
    description: text('description'),
    metadata: jsonb('metadata'),
    /** last event seq handed out in this session */
    lastSeq: bigint('last_seq', { mode: 'number' }).notNull().default(0),
    createdBy: text('created_by'),
    createdAt: createdAt(),
  },
  (t) => [index('workflow_sessions_revision_idx').on(t.revisionId), uniqueIndex('workflow_sessions_alias_idx').on(t.revisionId, t.alias)],
);

export const sessionObjects = pgTable(
  'workflow_session_objects',
  {
    sessionId: text('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    alias: text('alias').notNull(),
    type: text('type').notNull(),
    value: jsonb('value').notNull(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.alias] })],
);

export const threadItems = pgTable(
  'workflow_thread_items',
  {
    id: text('id').primaryKey(),
    sessionId: text('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    alias: text('alias').notNull(),
    userId: text('user_id'),
    content: jsonb('content').notNull(),
    parentId: text('parent_id'),
    metadata: jsonb('metadata'),
    createdAt: createdAt(),
  },
  // (created_at, id): the keyset of list_session_thread_items in both directions
  (t) => [index('workflow_thread_items_idx').on(t.sessionId, t.alias, t.createdAt, t.id)],
);

/**
 * The elements of graph session objects (docs/spec.md §4 "Graphs"): vertices and edges in one table so
 * that one element id space, one rev counter and one insertion order (`ord`) serve every read.
 * Elements hang off their envelope (deleting it cascades) and edges off their end vertices
 * (deleting a vertex cascades to its edges, even against a concurrent add_edge).
 */
export const graphElements = pgTable(
  'workflow_graph_elements',
  {
    sessionId: text('session_id').notNull(),
    alias: text('alias').notNull(),
    elementId: text('element_id').notNull(),
    type: text('type', { enum: ['vertex', 'edge'] }).notNull(),
    /** vertices: one or more labels; edges: null */
    labels: text('labels').array(),
    /** edges: their one label; vertices: null */
    label: text('label'),
    fromId: text('from_id'),
    toId: text('to_id'),
    props: jsonb('props').notNull().default({}),
    rev: integer('rev').notNull().default(1),
    /** insertion order: list and neighbor cursors, and the order of query results */
    ord: bigint('ord', { mode: 'number' }).notNull().generatedAlwaysAsIdentity(),
    userId: text('user_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.sessionId, t.alias, t.elementId] }),
    foreignKey({ columns: [t.sessionId, t.alias], foreignColumns: [sessionObjects.sessionId, sessionObjects.alias] }).onDelete('cascade'),
    foreignKey({ columns: [t.sessionId, t.alias, t.fromId], foreignColumns: [t.sessionId, t.alias, t.elementId] }).onDelete('cascade'),
    foreignKey({ columns: [t.sessionId, t.alias, t.toId], foreignColumns: [t.sessionId, t.alias, t.elementId] }).onDelete('cascade'),
    uniqueIndex('workflow_graph_elements_ord_idx').on(t.sessionId, t.alias, t.ord),
    index('workflow_graph_elements_updated_idx').on(t.sessionId, t.alias, t.updatedAt, t.ord),
    // whole (not partial on edges): the cascades from a deleted vertex look its edges up by these
    index('workflow_graph_elements_out_idx').on(t.sessionId, t.alias, t.fromId, t.ord),
    index('workflow_graph_elements_in_idx').on(t.sessionId, t.alias, t.toId, t.ord),
  ],
);

/** The bytes of `file` session objects: where they live in the blob store. */
export const sessionFiles = pgTable(
  'workflow_session_files',
  {
    sessionId: text('session_id').notNull(),
    alias: text('alias').notNull(),
    storageKey: text('storage_key').notNull(),
    size: bigint('size', { mode: 'number' }).notNull(),
    sha256: text('sha256').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.sessionId, t.alias] }),
    foreignKey({ columns: [t.sessionId, t.alias], foreignColumns: [sessionObjects.sessionId, sessionObjects.alias] }).onDelete('cascade'),
  ],
);

/** What started an execution; `webhook` is reserved for inbound triggers. */
export const executionTriggers = ['manual', 'schedule', 'webhook'] as const;

/** `queued`: a component waits for a sandbox slot (its org's share, or a saturated worker) */
export const executionStatuses = ['pending', 'queued', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out'] as const;

export const executions = pgTable(
  'workflow_executions',
  {
    id: text('id').primaryKey(),
    sessionId: text('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    revisionId: text('revision_id').notNull(),
    definitionId: text('definition_id').notNull(),
    alias: text('alias').notNull(),
    definitionHash: text('definition_hash').notNull(),
    status: text('status', { enum: executionStatuses }).notNull().default('pending'),
    inputData: jsonb('input_data').notNull().default([]),
    outputData: jsonb('output_data'),
    error: jsonb('error'),
    parentExecutionId: text('parent_execution_id'),
    /** the webhook trigger that started it (null: started by a caller, a schedule or a parent execution) */
    triggerId: text('trigger_id'),
    temporalRunId: text('temporal_run_id'),
    /** when cancel_execution first asked Temporal to cancel: past the grace period the reconciler terminates the workflow */
    cancelRequestedAt: ts('cancel_requested_at'),
    createdBy: text('created_by'),
    /** the API key its starter used, if any */
    createdByKeyId: text('created_by_key_id'),
    trigger: text('trigger', { enum: executionTriggers }).notNull().default('manual'),
    /**
     * when the execution got past its blob's execution limits (at creation, or later when it
     * waited `queued` for them); null while it waits. The rate limit counts these.
     */
    admittedAt: ts('admitted_at'),
    /** the execution this one reruns (rerun_execution), and the component it runs from */
    rerunOf: text('rerun_of'),
    rerunFrom: text('rerun_from'),
    createdAt: createdAt(),
    startedAt: ts('started_at'),
    endedAt: ts('ended_at'),
  },
  (t) => [
    index('workflow_executions_session_idx').on(t.sessionId, t.createdAt),
    // max_starts per interval counts the executions admitted within the interval
    index('workflow_executions_admitted_idx').on(t.admittedAt),
    index('workflow_executions_revision_idx').on(t.revisionId, t.createdAt),
    // list_executions: a revision's runs newest first (by id), optionally of one definition alias
    index('workflow_executions_revision_id_idx').on(t.revisionId, t.id),
    index('workflow_executions_revision_alias_idx').on(t.revisionId, t.alias, t.id),
    // an execution's reruns
    index('workflow_executions_rerun_of_idx')
      .on(t.rerunOf)
      .where(sql`rerun_of is not null`),
    // the reconciler reads the executions that have not ended: few among many
    index('workflow_executions_live_idx')
      .on(t.status)
      .where(sql`status in ('pending', 'queued', 'running')`),
  ],
);

export const limitPolicies = ['queue', 'refuse'] as const;

/**
 * Execution limits of a workflow blob (`alias` ''), or of one definition alias in it (every
 * revision's): at most `max_concurrent` live at once, at most `max_starts` admitted per
 * `interval_seconds`; past either the execution waits `queued` or is refused, as its policy says.
 * Creations and admissions lock the rows that apply (engines/workflow/limits.ts).
 */
export const executionLimits = pgTable(
  'workflow_execution_limits',
  {
    blobId: text('blob_id')
      .notNull()
      .references(() => blobs.id, { onDelete: 'cascade' }),
    alias: text('alias').notNull().default(''),
    maxConcurrent: integer('max_concurrent'),
    concurrencyPolicy: text('concurrency_policy', { enum: limitPolicies }).notNull().default('queue'),
    maxStarts: integer('max_starts'),
    intervalSeconds: integer('interval_seconds'),
    ratePolicy: text('rate_policy', { enum: limitPolicies }).notNull().default('refuse'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.blobId, t.alias] })],
);

/**
 * Webhook triggers: a public URL (`/hooks/:id`) that starts executions of one definition, as the
 * trigger's creator (through the key that created it, if one did). The secret is encrypted with the
 * platform key (an HMAC check needs it back); it is shown once, at creation and rotation.
 */
export const workflowTriggers = pgTable(
  'workflow_triggers',
  {
    id: text('id').primaryKey(),
    blobId: text('blob_id')
      .notNull()
      .references(() => blobs.id, { onDelete: 'cascade' }),
    /** the revision it runs; null: the blob's `default` (latest) revision at each request */
    revisionId: text('revision_id').references(() => revisions.id, { onDelete: 'cascade' }),
    ownerId: text('owner_id').notNull(),
    createdByKeyId: text('created_by_key_id'),
    /** the user-facing settings (alias, auth, mode, input mapping, limits) */
    spec: jsonb('spec').notNull(),
    secretSealed: text('secret_sealed').notNull(),
    secretPrefix: text('secret_prefix').notNull(),
    /** the per-trigger rate limit's current one-minute window, shared by every API process */
    windowStartedAt: ts('window_started_at').notNull().defaultNow(),
    windowCount: integer('window_count').notNull().default(0),
    createdAt: createdAt(),
    rotatedAt: ts('rotated_at'),
    revokedAt: ts('revoked_at'),
    lastUsedAt: ts('last_used_at'),
  },
  (t) => [index('workflow_triggers_blob_idx').on(t.blobId)],
);

/**
 * Idempotency keys of create commands: per org, the first request's hash and the id of what it
 * created, kept for BLOBHUB_IDEMPOTENCY_RETENTION_HOURS.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    orgId: text('org_id').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    resultId: text('result_id').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.key] }), index('idempotency_keys_created_idx').on(t.createdAt)],
);

/** Component outputs stored with `persist`, and large values passed by reference. */
export const executionData = pgTable(
  'workflow_execution_data',
  {
    id: text('id').primaryKey(),
    executionId: text('execution_id')
      .notNull()
      .references(() => executions.id, { onDelete: 'cascade' }),
    /** null when the value lives in the blob store under storage_key */
    value: jsonb('value'),
    storageKey: text('storage_key'),
    /** bytes of the value as JSON (counted against BLOBHUB_MAX_EXECUTION_DATA_BYTES) */
    sizeBytes: integer('size_bytes').notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [index('workflow_execution_data_execution_idx').on(t.executionId)],
);

/** What a lineage entry names: a model revision an `ml.onnx` component ran, a credential a component used (by alias). */
export const lineageKinds = ['model', 'credential'] as const;

/**
 * An execution's lineage beyond its row (definition hash, revision): what its components used,
 * recorded when they use it. Never a secret: a credential by alias and id only.
 */
export const executionLineage = pgTable(
  'workflow_execution_lineage',
  {
    executionId: text('execution_id')
      .notNull()
      .references(() => executions.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: lineageKinds }).notNull(),
    /** the model revision id, or the credential alias */
    ref: text('ref').notNull(),
    componentId: text('component_id').notNull(),
    /** model: {blob_id, path}; credential: {credential_id, scope, type} */
    details: jsonb('details').notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.executionId, t.kind, t.ref, t.componentId] }),
    // the executions that used a model revision
    index('workflow_execution_lineage_ref_idx').on(t.kind, t.ref),
  ],
);

/**
 * The flow.wait_for_event visits waiting now, one row each, found by the org and key of an
 * emitted event (an org's events never reach another org's executions). The wait writes its row
 * before it waits and removes it when it ends; a row of an execution that ended otherwise is
 * passed over (and removed) by the next emit of its key.
 */
export const eventWaiters = pgTable(
  'workflow_event_waiters',
  {
    executionId: text('execution_id')
      .notNull()
      .references(() => executions.id, { onDelete: 'cascade' }),
    /** `<component id>#<n>`: the visit that waits; the event's signal names it */
    visit: text('visit').notNull(),
    orgId: text('org_id').notNull(),
    key: text('key').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.executionId, t.visit] }), index('workflow_event_waiters_key_idx').on(t.orgId, t.key)],
);

// ---------------------------------------------------------------- scheduler engine

export const schedules = pgTable(
  'schedules',
  {
    id: text('id').primaryKey(),
    revisionId: text('revision_id')
      .notNull()
      .references(() => revisions.id, { onDelete: 'cascade' }),
    blobId: text('blob_id').notNull(),
    orgId: text('org_id').notNull(),
    ownerId: text('owner_id').notNull(),
    /** the API key that created the schedule, if one did: every fire acts with that key's rights, and none once it is revoked */
    createdByKeyId: text('created_by_key_id'),
    /** the user-facing fields (repeat, cron_expression, timezone, target, policies …) */
    spec: jsonb('spec').notNull(),
    state: text('state', { enum: ['active', 'paused', 'completed'] })
      .notNull()
      .default('active'),
    pauseNote: text('pause_note'),
    /** 'synced' once Temporal matches this row; the reconciler repairs anything else */
    syncState: text('sync_state', { enum: ['pending', 'synced', 'deleting'] })
      .notNull()
      .default('pending'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('schedules_revision_idx').on(t.revisionId)],
);

export const scheduleExecutions = pgTable(
  'schedule_executions',
  {
    id: text('id').primaryKey(),
    scheduleId: text('schedule_id').notNull(),
    /** the Temporal workflow id and run id of the fire, so a retried fire records once */
    fireId: text('fire_id').notNull().unique(),
    /** the time slot Temporal fired for (the nominal time of a backfill or trigger) */
    scheduledAt: ts('scheduled_at'),
    invocationTargetType: text('invocation_target_type').notNull(),
    invocationTarget: jsonb('invocation_target').notNull(),
    status: text('status', { enum: ['success', 'access_error', 'invocation_error'] }).notNull(),
    result: jsonb('result').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('schedule_executions_schedule_idx').on(t.scheduleId, t.createdAt)],
);

// ---------------------------------------------------------------- onnx engine

/** A model file in a revision; bytes are content-addressed by sha256 in the blob store. */
export const onnxFiles = pgTable(
  'onnx_files',
  {
    revisionId: text('revision_id')
      .notNull()
      .references(() => revisions.id, { onDelete: 'cascade' }),
    path: text('path').notNull(),
    size: bigint('size', { mode: 'number' }).notNull(),
    sha256: text('sha256').notNull(),
    storageKey: text('storage_key').notNull(),
    description: jsonb('description'),
    createdAt: createdAt(),
  },
  // sha256: finding stored bytes to share when the same model is uploaded again
  (t) => [primaryKey({ columns: [t.revisionId, t.path] }), index('onnx_files_sha256_idx').on(t.sha256)],
);

export const onnxUploads = pgTable('onnx_uploads', {
  operationId: text('operation_id').primaryKey(),
  revisionId: text('revision_id')
    .notNull()
    .references(() => revisions.id, { onDelete: 'cascade' }),
  path: text('path').notNull(),
  size: bigint('size', { mode: 'number' }).notNull(),
  sha256: text('sha256'),
  storageKey: text('storage_key').notNull(),
  storeUploadId: text('store_upload_id').notNull(),
  parts: jsonb('parts').notNull(),
  status: text('status', { enum: ['open', 'completing', 'completed', 'aborted'] })
    .notNull()
    .default('open'),
  expiresAt: ts('expires_at').notNull(),
  createdAt: createdAt(),
});
