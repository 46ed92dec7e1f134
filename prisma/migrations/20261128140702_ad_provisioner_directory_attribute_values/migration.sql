-- ad-provisioner: ad_provisioner_directory_attribute_values
-- CreateTable
CREATE TABLE "directory_attribute_values" (
    "identity_id" UUID NOT NULL,
    "tenant" TEXT NOT NULL,
    "identity_version" INTEGER NOT NULL,
    "values" JSONB NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "directory_attribute_values_pkey" PRIMARY KEY ("identity_id")
);
