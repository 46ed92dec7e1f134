-- claim-portal: claim_portal_class_school_unit
-- AlterTable
ALTER TABLE "claim_account" ADD COLUMN     "class_school_unit_code" TEXT;
