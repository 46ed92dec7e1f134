-- claim-portal: claim_portal_directory_occurred_at
-- AlterTable
ALTER TABLE "claim_account" ADD COLUMN     "directory_occurred_at" TIMESTAMPTZ(3);
