-- ops-console: console_operators_plans_timeline
-- CreateTable
CREATE TABLE "console_operators" (
    "id" UUID NOT NULL,
    "username" TEXT NOT NULL,
    "password_hash" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "tenants" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "all_tenants" BOOLEAN NOT NULL DEFAULT false,
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "console_operators_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "console_sessions" (
    "token_hash" TEXT NOT NULL,
    "operator_id" UUID NOT NULL,
    "csrf_token" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "console_sessions_pkey" PRIMARY KEY ("token_hash")
);

-- CreateTable
CREATE TABLE "console_plans" (
    "plan_id" TEXT NOT NULL,
    "tenant" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "operations" JSONB NOT NULL,
    "held_at" TIMESTAMPTZ(3) NOT NULL,
    "source_event" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'held',
    "decided_by" TEXT,
    "decided_at" TIMESTAMPTZ(3),
    "decision_note" TEXT,

    CONSTRAINT "console_plans_pkey" PRIMARY KEY ("plan_id")
);

-- CreateTable
CREATE TABLE "console_dead_letter_actions" (
    "id" BIGSERIAL NOT NULL,
    "stream_sequence" BIGINT NOT NULL,
    "tenant" TEXT,
    "original_subject" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "reason" TEXT,
    "operator" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "console_dead_letter_actions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "console_people" (
    "person_key" TEXT NOT NULL,
    "tenant" TEXT NOT NULL,
    "display_name" TEXT,
    "account_name" TEXT,
    "eppn" TEXT,
    "civic_number_mac" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "console_people_pkey" PRIMARY KEY ("person_key")
);

-- CreateTable
CREATE TABLE "console_timeline_entries" (
    "id" BIGSERIAL NOT NULL,
    "event_id" TEXT NOT NULL,
    "person_key" TEXT NOT NULL,
    "tenant" TEXT NOT NULL,
    "stage" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "cause" TEXT,
    "summary" JSONB NOT NULL,

    CONSTRAINT "console_timeline_entries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "console_stream_checkpoints" (
    "stream" TEXT NOT NULL,
    "sequence" BIGINT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "console_stream_checkpoints_pkey" PRIMARY KEY ("stream")
);

-- CreateIndex
CREATE UNIQUE INDEX "console_operators_username_key" ON "console_operators"("username");

-- CreateIndex
CREATE INDEX "console_sessions_operator_id_idx" ON "console_sessions"("operator_id");

-- CreateIndex
CREATE INDEX "console_sessions_expires_at_idx" ON "console_sessions"("expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "console_plans_source_event_key" ON "console_plans"("source_event");

-- CreateIndex
CREATE INDEX "console_plans_tenant_status_idx" ON "console_plans"("tenant", "status");

-- CreateIndex
CREATE INDEX "console_dead_letter_actions_stream_sequence_idx" ON "console_dead_letter_actions"("stream_sequence");

-- CreateIndex
CREATE INDEX "console_people_tenant_idx" ON "console_people"("tenant");

-- CreateIndex
CREATE INDEX "console_people_account_name_idx" ON "console_people"("account_name");

-- CreateIndex
CREATE INDEX "console_people_eppn_idx" ON "console_people"("eppn");

-- CreateIndex
CREATE INDEX "console_people_civic_number_mac_idx" ON "console_people"("civic_number_mac");

-- CreateIndex
CREATE UNIQUE INDEX "console_timeline_entries_event_id_key" ON "console_timeline_entries"("event_id");

-- CreateIndex
CREATE INDEX "console_timeline_entries_person_key_occurred_at_idx" ON "console_timeline_entries"("person_key", "occurred_at");

-- AddForeignKey
ALTER TABLE "console_sessions" ADD CONSTRAINT "console_sessions_operator_id_fkey" FOREIGN KEY ("operator_id") REFERENCES "console_operators"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "console_timeline_entries" ADD CONSTRAINT "console_timeline_entries_person_key_fkey" FOREIGN KEY ("person_key") REFERENCES "console_people"("person_key") ON DELETE CASCADE ON UPDATE CASCADE;
