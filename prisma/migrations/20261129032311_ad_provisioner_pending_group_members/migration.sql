-- ad-provisioner: ad_provisioner_pending_group_members
-- CreateTable
CREATE TABLE "pending_group_members" (
    "tenant" TEXT NOT NULL,
    "group_key" TEXT NOT NULL,
    "group" JSONB NOT NULL,
    "identity_id" UUID NOT NULL,
    "identity_version" INTEGER NOT NULL,
    "member" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "pending_group_members_pkey" PRIMARY KEY ("tenant","group_key","identity_id")
);

-- CreateIndex
CREATE INDEX "pending_group_members_tenant_identity_id_idx" ON "pending_group_members"("tenant", "identity_id");
