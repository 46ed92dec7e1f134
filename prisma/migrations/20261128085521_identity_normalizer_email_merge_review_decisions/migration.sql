-- identity-normalizer: identity_normalizer_email_merge_review_decisions
-- AlterTable
ALTER TABLE "normalizer_identity" ADD COLUMN     "email_problem" TEXT,
ADD COLUMN     "merged_into_id" UUID;

-- AlterTable
ALTER TABLE "normalizer_review_item" ADD COLUMN     "decided_by" TEXT,
ADD COLUMN     "decision" TEXT,
ADD COLUMN     "decision_event_id" TEXT,
ADD COLUMN     "kept_identity_id" UUID,
ADD COLUMN     "review_id" UUID;

-- CreateIndex
CREATE UNIQUE INDEX "normalizer_review_item_review_id_key" ON "normalizer_review_item"("review_id");

-- Review items opened before this migration carry their reviewId in details.
UPDATE "normalizer_review_item" SET "review_id" = ("details"->>'reviewId')::uuid WHERE "review_id" IS NULL AND "details" ? 'reviewId';
