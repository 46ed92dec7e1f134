-- ad-provisioner: plan_idempotency_key
-- AlterTable
ALTER TABLE "provisioning_plans" ADD COLUMN     "idempotency_key" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "provisioning_plans_idempotency_key_key" ON "provisioning_plans"("idempotency_key");
