-- ad-provisioner: ad_provisioner_accounts_names_plans
-- CreateTable
CREATE TABLE "account_links" (
    "id" UUID NOT NULL,
    "tenant" TEXT NOT NULL,
    "identity_id" UUID NOT NULL,
    "object_guid" UUID NOT NULL,
    "sam_account_name" TEXT NOT NULL,
    "upn" TEXT NOT NULL,
    "dn" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL,
    "identity_version" INTEGER NOT NULL,
    "desired" JSONB NOT NULL,
    "disabled_at" TIMESTAMPTZ(3),
    "deleted_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "account_links_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "name_reservations" (
    "name_lower" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "tenant" TEXT NOT NULL,
    "identity_id" UUID NOT NULL,
    "reserved_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "name_reservations_pkey" PRIMARY KEY ("name_lower")
);

-- CreateTable
CREATE TABLE "provisioning_plans" (
    "id" UUID NOT NULL,
    "tenant" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "operations" JSONB NOT NULL,
    "thresholds" JSONB NOT NULL DEFAULT '[]',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decided_at" TIMESTAMPTZ(3),
    "decided_by" TEXT,
    "applied_at" TIMESTAMPTZ(3),

    CONSTRAINT "provisioning_plans_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "account_links_object_guid_key" ON "account_links"("object_guid");

-- CreateIndex
CREATE INDEX "account_links_tenant_deleted_at_idx" ON "account_links"("tenant", "deleted_at");

-- CreateIndex
CREATE UNIQUE INDEX "account_links_tenant_identity_id_key" ON "account_links"("tenant", "identity_id");

-- CreateIndex
CREATE INDEX "name_reservations_tenant_identity_id_idx" ON "name_reservations"("tenant", "identity_id");

-- CreateIndex
CREATE INDEX "provisioning_plans_tenant_status_idx" ON "provisioning_plans"("tenant", "status");
