-- identity-normalizer: identity_normalizer_duty_person_marking
-- AlterTable
ALTER TABLE "normalizer_duty" ADD COLUMN     "person_security_marking" TEXT;
