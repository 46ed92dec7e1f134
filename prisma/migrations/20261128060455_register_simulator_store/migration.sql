-- register-simulator: register_simulator_store
-- CreateTable
CREATE TABLE "simulator_entity" (
    "tenant" TEXT NOT NULL,
    "entity" TEXT NOT NULL,
    "id" UUID NOT NULL,
    "document" JSONB NOT NULL,
    "modified" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "simulator_entity_pkey" PRIMARY KEY ("tenant","entity","id")
);

-- CreateTable
CREATE TABLE "simulator_deletion" (
    "tenant" TEXT NOT NULL,
    "entity" TEXT NOT NULL,
    "id" UUID NOT NULL,
    "deleted_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "simulator_deletion_pkey" PRIMARY KEY ("tenant","entity","id")
);

-- CreateTable
CREATE TABLE "simulator_subscription" (
    "id" UUID NOT NULL,
    "tenant" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "resource_types" JSONB NOT NULL,
    "expires" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "simulator_subscription_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "simulator_tenant" (
    "tenant" TEXT NOT NULL,
    "seed" INTEGER NOT NULL,
    "persons" INTEGER NOT NULL,
    "school_year_start" INTEGER NOT NULL,
    "seeded_at" TIMESTAMPTZ(3) NOT NULL,
    "clock" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "simulator_tenant_pkey" PRIMARY KEY ("tenant")
);

-- CreateIndex
CREATE INDEX "simulator_deletion_tenant_deleted_at_idx" ON "simulator_deletion"("tenant", "deleted_at");

-- CreateIndex
CREATE INDEX "simulator_subscription_tenant_idx" ON "simulator_subscription"("tenant");
