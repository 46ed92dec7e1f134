-- ops-console: console_register_people
-- DropForeignKey
ALTER TABLE "console_timeline_entries" DROP CONSTRAINT "console_timeline_entries_person_key_fkey";

-- AlterTable
ALTER TABLE "console_people" ADD COLUMN     "register_ids" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- CreateTable
CREATE TABLE "console_register_people" (
    "register_id" TEXT NOT NULL,
    "tenant" TEXT NOT NULL,
    "display_name" TEXT,
    "civic_number_mac" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "console_register_people_pkey" PRIMARY KEY ("register_id")
);

-- CreateIndex
CREATE INDEX "console_register_people_civic_number_mac_idx" ON "console_register_people"("civic_number_mac");
