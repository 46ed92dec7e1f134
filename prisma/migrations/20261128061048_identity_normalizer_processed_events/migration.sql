-- identity-normalizer: identity_normalizer_processed_events
-- CreateTable
CREATE TABLE "normalizer_processed_event" (
    "event_id" TEXT NOT NULL,
    "processed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "normalizer_processed_event_pkey" PRIMARY KEY ("event_id")
);

-- CreateIndex
CREATE INDEX "normalizer_processed_event_processed_at_idx" ON "normalizer_processed_event"("processed_at");
