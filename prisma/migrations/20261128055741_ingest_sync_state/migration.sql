-- register-ingest: ingest_sync_state
-- CreateTable
CREATE TABLE "ingest_watermarks" (
    "tenant" TEXT NOT NULL,
    "entity_type" TEXT NOT NULL,
    "modified_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ingest_watermarks_pkey" PRIMARY KEY ("tenant","entity_type")
);

-- CreateTable
CREATE TABLE "ingest_source_snapshots" (
    "tenant" TEXT NOT NULL,
    "entity_type" TEXT NOT NULL,
    "register_id" TEXT NOT NULL,
    "content_hash" TEXT,
    "modified_at" TIMESTAMPTZ(3),
    "deleted" BOOLEAN NOT NULL DEFAULT false,
    "deleted_at" TIMESTAMPTZ(3),
    "last_seen_run_id" UUID,
    "last_seen_full_at" TIMESTAMPTZ(3),
    "rejection_hash" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ingest_source_snapshots_pkey" PRIMARY KEY ("tenant","entity_type","register_id")
);

-- CreateTable
CREATE TABLE "ingest_sync_runs" (
    "id" UUID NOT NULL,
    "tenant" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "trigger" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),
    "complete" BOOLEAN NOT NULL DEFAULT false,
    "outcome" TEXT NOT NULL DEFAULT 'running',
    "error" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 1,
    "counts" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "ingest_sync_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ingest_held_plans" (
    "id" UUID NOT NULL,
    "tenant" TEXT NOT NULL,
    "entity_type" TEXT NOT NULL,
    "run_id" UUID NOT NULL,
    "reason" TEXT NOT NULL,
    "previous_count" INTEGER NOT NULL,
    "seen_count" INTEGER NOT NULL,
    "register_ids" TEXT[],
    "status" TEXT NOT NULL DEFAULT 'held',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decided_at" TIMESTAMPTZ(3),
    "decided_by" TEXT,

    CONSTRAINT "ingest_held_plans_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ingest_source_snapshots_tenant_entity_type_deleted_idx" ON "ingest_source_snapshots"("tenant", "entity_type", "deleted");

-- CreateIndex
CREATE INDEX "ingest_sync_runs_tenant_kind_started_at_idx" ON "ingest_sync_runs"("tenant", "kind", "started_at");

-- CreateIndex
CREATE INDEX "ingest_held_plans_tenant_status_idx" ON "ingest_held_plans"("tenant", "status");
