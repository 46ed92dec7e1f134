-- claim-portal: claim_portal_codes_accounts
-- CreateTable
CREATE TABLE "claim_outbox" (
    "id" BIGSERIAL NOT NULL,
    "event_id" UUID NOT NULL,
    "subject" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "headers" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "published_at" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,

    CONSTRAINT "claim_outbox_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "claim_account" (
    "identity_id" UUID NOT NULL,
    "tenant" TEXT NOT NULL,
    "account_name" TEXT,
    "account_name_key" TEXT,
    "distinguished_name" TEXT,
    "object_guid" UUID,
    "enabled" BOOLEAN NOT NULL DEFAULT false,
    "deleted_at" TIMESTAMPTZ(3),
    "directory_version" INTEGER NOT NULL DEFAULT 0,
    "display_name" TEXT,
    "given_name" TEXT,
    "sn" TEXT,
    "protected_identity" BOOLEAN NOT NULL DEFAULT false,
    "identity_status" TEXT,
    "class_group_id" UUID,
    "class_name" TEXT,
    "school_unit_codes" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "identity_version" INTEGER NOT NULL DEFAULT 0,
    "claimed" BOOLEAN NOT NULL DEFAULT false,
    "claimed_at" TIMESTAMPTZ(3),
    "failed_attempts" INTEGER NOT NULL DEFAULT 0,
    "locked_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "claim_account_pkey" PRIMARY KEY ("identity_id")
);

-- CreateTable
CREATE TABLE "claim_code" (
    "id" UUID NOT NULL,
    "identity_id" UUID NOT NULL,
    "tenant" TEXT NOT NULL,
    "code_hash" TEXT NOT NULL,
    "issued_by" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "issued_at" TIMESTAMPTZ(3) NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "claim_code_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "claim_ticket" (
    "token_hash" TEXT NOT NULL,
    "session_hash" TEXT NOT NULL,
    "identity_id" UUID NOT NULL,
    "claim_code_id" UUID NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "used_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "claim_ticket_pkey" PRIMARY KEY ("token_hash")
);

-- CreateTable
CREATE TABLE "claim_attempt" (
    "id" BIGSERIAL NOT NULL,
    "ip_key" TEXT NOT NULL,
    "account_key" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "claim_attempt_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "claim_audit" (
    "id" BIGSERIAL NOT NULL,
    "tenant" TEXT NOT NULL,
    "identity_id" UUID,
    "account_name" TEXT,
    "action" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "claim_code_id" UUID,
    "details" JSONB NOT NULL DEFAULT '{}',
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "claim_audit_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "claim_outbox_event_id_key" ON "claim_outbox"("event_id");

-- CreateIndex
CREATE INDEX "claim_outbox_published_at_id_idx" ON "claim_outbox"("published_at", "id");

-- CreateIndex
CREATE INDEX "claim_account_account_name_key_idx" ON "claim_account"("account_name_key");

-- CreateIndex
CREATE INDEX "claim_account_tenant_class_group_id_idx" ON "claim_account"("tenant", "class_group_id");

-- CreateIndex
CREATE INDEX "claim_account_tenant_locked_at_idx" ON "claim_account"("tenant", "locked_at");

-- CreateIndex
CREATE INDEX "claim_code_identity_id_idx" ON "claim_code"("identity_id");

-- CreateIndex
CREATE INDEX "claim_attempt_ip_key_at_idx" ON "claim_attempt"("ip_key", "at");

-- CreateIndex
CREATE INDEX "claim_attempt_account_key_at_idx" ON "claim_attempt"("account_key", "at");

-- CreateIndex
CREATE INDEX "claim_audit_tenant_at_idx" ON "claim_audit"("tenant", "at");

-- CreateIndex
CREATE INDEX "claim_audit_identity_id_idx" ON "claim_audit"("identity_id");

-- AddForeignKey
ALTER TABLE "claim_code" ADD CONSTRAINT "claim_code_identity_id_fkey" FOREIGN KEY ("identity_id") REFERENCES "claim_account"("identity_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- At most one active (unused, not revoked) code per account: a reissue revokes the previous one in
-- the same transaction, and a concurrent second issue fails instead of leaving two valid codes.
CREATE UNIQUE INDEX "claim_code_one_active_per_account" ON "claim_code"("identity_id") WHERE "used_at" IS NULL AND "revoked_at" IS NULL;
