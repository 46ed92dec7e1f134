-- federation-publisher: federation_identifier_registry
-- CreateTable
CREATE TABLE "federation_identifier" (
    "identity_id" UUID NOT NULL,
    "tenant" TEXT NOT NULL,
    "edu_person_principal_name" TEXT NOT NULL,
    "edu_person_unique_id" TEXT NOT NULL,
    "subject_id" TEXT NOT NULL,
    "assigned_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "federation_identifier_pkey" PRIMARY KEY ("identity_id")
);

-- CreateTable
CREATE TABLE "federation_person" (
    "identity_id" UUID NOT NULL,
    "tenant" TEXT NOT NULL,
    "identity_version" INTEGER NOT NULL DEFAULT 0,
    "status" TEXT NOT NULL DEFAULT 'unknown',
    "protected_identity" BOOLEAN NOT NULL DEFAULT false,
    "source" JSONB NOT NULL DEFAULT '{}',
    "attributes" JSONB,
    "violations" JSONB NOT NULL DEFAULT '[]',
    "account_name" TEXT,
    "user_principal_name" TEXT,
    "object_guid" UUID,
    "directory_version" INTEGER NOT NULL DEFAULT 0,
    "published_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "federation_person_pkey" PRIMARY KEY ("identity_id")
);

-- CreateTable
CREATE TABLE "federation_sensitive" (
    "identity_id" UUID NOT NULL,
    "tenant" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "civic_no" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "federation_sensitive_pkey" PRIMARY KEY ("identity_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "federation_identifier_edu_person_principal_name_key" ON "federation_identifier"("edu_person_principal_name");

-- CreateIndex
CREATE UNIQUE INDEX "federation_identifier_edu_person_unique_id_key" ON "federation_identifier"("edu_person_unique_id");

-- CreateIndex
CREATE UNIQUE INDEX "federation_identifier_subject_id_key" ON "federation_identifier"("subject_id");

-- CreateIndex
CREATE INDEX "federation_identifier_tenant_idx" ON "federation_identifier"("tenant");

-- CreateIndex
CREATE INDEX "federation_person_tenant_account_name_idx" ON "federation_person"("tenant", "account_name");

-- CreateIndex
CREATE INDEX "federation_person_tenant_user_principal_name_idx" ON "federation_person"("tenant", "user_principal_name");

-- CreateIndex
CREATE INDEX "federation_person_object_guid_idx" ON "federation_person"("object_guid");
