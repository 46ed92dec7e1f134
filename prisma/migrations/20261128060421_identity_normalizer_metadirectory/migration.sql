-- identity-normalizer: identity_normalizer_metadirectory
-- CreateTable
CREATE TABLE "normalizer_identity" (
    "id" UUID NOT NULL,
    "tenant" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 0,
    "state" TEXT NOT NULL,
    "state_cause" TEXT NOT NULL,
    "state_since" TEXT NOT NULL,
    "suspend_on" TEXT,
    "deactivate_on" TEXT,
    "civic_number" TEXT,
    "civic_number_problem" TEXT,
    "birth_date" TEXT,
    "protected" BOOLEAN NOT NULL DEFAULT false,
    "predecessor_id" UUID,
    "moved_to_tenant" TEXT,
    "successor_id" UUID,
    "next_evaluation_on" TEXT,
    "published" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "status_changed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "normalizer_identity_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "normalizer_source_link" (
    "tenant" TEXT NOT NULL,
    "register_id" TEXT NOT NULL DEFAULT '',
    "person_id" UUID NOT NULL,
    "identity_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "normalizer_source_link_pkey" PRIMARY KEY ("tenant","register_id","person_id")
);

-- CreateTable
CREATE TABLE "normalizer_person" (
    "tenant" TEXT NOT NULL,
    "register_id" TEXT NOT NULL DEFAULT '',
    "id" UUID NOT NULL,
    "given_name" TEXT,
    "middle_name" TEXT,
    "family_name" TEXT,
    "civic_no" TEXT,
    "security_marking" TEXT,
    "person_status" TEXT,
    "emails" JSONB NOT NULL DEFAULT '[]',
    "deleted" BOOLEAN NOT NULL DEFAULT false,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "normalizer_person_pkey" PRIMARY KEY ("tenant","register_id","id")
);

-- CreateTable
CREATE TABLE "normalizer_organisation" (
    "tenant" TEXT NOT NULL,
    "register_id" TEXT NOT NULL DEFAULT '',
    "id" UUID NOT NULL,
    "display_name" TEXT NOT NULL,
    "organisation_type" TEXT,
    "school_unit_code" TEXT,
    "municipality_code" TEXT,
    "parent_id" UUID,
    "deleted" BOOLEAN NOT NULL DEFAULT false,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "normalizer_organisation_pkey" PRIMARY KEY ("tenant","register_id","id")
);

-- CreateTable
CREATE TABLE "normalizer_group" (
    "tenant" TEXT NOT NULL,
    "register_id" TEXT NOT NULL DEFAULT '',
    "id" UUID NOT NULL,
    "display_name" TEXT NOT NULL,
    "group_type" TEXT NOT NULL,
    "organisation_id" UUID,
    "start_date" TEXT,
    "end_date" TEXT,
    "deleted" BOOLEAN NOT NULL DEFAULT false,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "normalizer_group_pkey" PRIMARY KEY ("tenant","register_id","id")
);

-- CreateTable
CREATE TABLE "normalizer_group_membership" (
    "id" BIGSERIAL NOT NULL,
    "tenant" TEXT NOT NULL,
    "register_id" TEXT NOT NULL DEFAULT '',
    "group_id" UUID NOT NULL,
    "person_id" UUID NOT NULL,
    "role" TEXT NOT NULL,
    "duty_id" UUID,
    "start_date" TEXT,
    "end_date" TEXT,
    "security_marking" TEXT,

    CONSTRAINT "normalizer_group_membership_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "normalizer_enrolment" (
    "id" BIGSERIAL NOT NULL,
    "tenant" TEXT NOT NULL,
    "register_id" TEXT NOT NULL DEFAULT '',
    "person_id" UUID NOT NULL,
    "organisation_id" UUID NOT NULL,
    "school_type" TEXT,
    "school_year" INTEGER,
    "programme" TEXT,
    "start_date" TEXT,
    "end_date" TEXT,
    "cancelled" BOOLEAN NOT NULL DEFAULT false,
    "security_marking" TEXT,

    CONSTRAINT "normalizer_enrolment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "normalizer_duty" (
    "tenant" TEXT NOT NULL,
    "register_id" TEXT NOT NULL DEFAULT '',
    "id" UUID NOT NULL,
    "person_id" UUID,
    "organisation_id" UUID NOT NULL,
    "duty_role" TEXT NOT NULL,
    "signature" TEXT,
    "duty_percent" INTEGER,
    "start_date" TEXT,
    "end_date" TEXT,
    "deleted" BOOLEAN NOT NULL DEFAULT false,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "normalizer_duty_pkey" PRIMARY KEY ("tenant","register_id","id")
);

-- CreateTable
CREATE TABLE "normalizer_identity_history" (
    "id" BIGSERIAL NOT NULL,
    "identity_id" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "before" JSONB,
    "after" JSONB NOT NULL,
    "transitions" JSONB NOT NULL DEFAULT '[]',
    "cause_event_id" TEXT,
    "cause" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "normalizer_identity_history_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "normalizer_register_version" (
    "tenant" TEXT NOT NULL,
    "register_id" TEXT NOT NULL DEFAULT '',
    "entity" TEXT NOT NULL,
    "entity_id" UUID NOT NULL,
    "content_hash" TEXT,
    "modified" TEXT,
    "deleted" BOOLEAN NOT NULL DEFAULT false,
    "event_id" TEXT NOT NULL,
    "applied_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "normalizer_register_version_pkey" PRIMARY KEY ("tenant","register_id","entity","entity_id")
);

-- CreateTable
CREATE TABLE "normalizer_review_item" (
    "id" BIGSERIAL NOT NULL,
    "tenant" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "identity_ids" UUID[],
    "details" JSONB NOT NULL DEFAULT '{}',
    "cause_event_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolved_at" TIMESTAMPTZ(3),

    CONSTRAINT "normalizer_review_item_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "normalizer_identity_tenant_civic_number_idx" ON "normalizer_identity"("tenant", "civic_number");

-- CreateIndex
CREATE INDEX "normalizer_identity_civic_number_idx" ON "normalizer_identity"("civic_number");

-- CreateIndex
CREATE INDEX "normalizer_identity_next_evaluation_on_idx" ON "normalizer_identity"("next_evaluation_on");

-- CreateIndex
CREATE INDEX "normalizer_source_link_identity_id_idx" ON "normalizer_source_link"("identity_id");

-- CreateIndex
CREATE INDEX "normalizer_group_membership_tenant_register_id_group_id_idx" ON "normalizer_group_membership"("tenant", "register_id", "group_id");

-- CreateIndex
CREATE INDEX "normalizer_group_membership_tenant_register_id_person_id_idx" ON "normalizer_group_membership"("tenant", "register_id", "person_id");

-- CreateIndex
CREATE INDEX "normalizer_group_membership_tenant_register_id_duty_id_idx" ON "normalizer_group_membership"("tenant", "register_id", "duty_id");

-- CreateIndex
CREATE INDEX "normalizer_enrolment_tenant_register_id_person_id_idx" ON "normalizer_enrolment"("tenant", "register_id", "person_id");

-- CreateIndex
CREATE INDEX "normalizer_enrolment_tenant_register_id_organisation_id_idx" ON "normalizer_enrolment"("tenant", "register_id", "organisation_id");

-- CreateIndex
CREATE INDEX "normalizer_duty_tenant_register_id_person_id_idx" ON "normalizer_duty"("tenant", "register_id", "person_id");

-- CreateIndex
CREATE INDEX "normalizer_duty_tenant_register_id_organisation_id_idx" ON "normalizer_duty"("tenant", "register_id", "organisation_id");

-- CreateIndex
CREATE UNIQUE INDEX "normalizer_identity_history_identity_id_version_key" ON "normalizer_identity_history"("identity_id", "version");

-- CreateIndex
CREATE UNIQUE INDEX "normalizer_review_item_tenant_kind_key_key" ON "normalizer_review_item"("tenant", "kind", "key");
