-- ops-console: console_reviews
-- CreateTable
CREATE TABLE "console_reviews" (
    "review_id" TEXT NOT NULL,
    "tenant" TEXT NOT NULL,
    "source_app" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "record" JSONB NOT NULL,
    "candidates" JSONB NOT NULL,
    "candidate_ids" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "requested_at" TIMESTAMPTZ(3) NOT NULL,
    "source_event" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'open',
    "decision" TEXT,
    "keep_identity_id" TEXT,
    "decided_by" TEXT,
    "decided_at" TIMESTAMPTZ(3),
    "comment" TEXT,

    CONSTRAINT "console_reviews_pkey" PRIMARY KEY ("review_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "console_reviews_source_event_key" ON "console_reviews"("source_event");

-- CreateIndex
CREATE INDEX "console_reviews_tenant_status_idx" ON "console_reviews"("tenant", "status");
