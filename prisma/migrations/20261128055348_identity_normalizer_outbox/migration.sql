-- identity-normalizer: identity_normalizer_outbox
-- CreateTable
CREATE TABLE "normalizer_outbox" (
    "id" BIGSERIAL NOT NULL,
    "event_id" UUID NOT NULL,
    "subject" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "headers" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "published_at" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,

    CONSTRAINT "normalizer_outbox_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "normalizer_outbox_event_id_key" ON "normalizer_outbox"("event_id");

-- CreateIndex
CREATE INDEX "normalizer_outbox_published_at_id_idx" ON "normalizer_outbox"("published_at", "id");
