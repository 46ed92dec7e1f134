-- ops-console: ops_console_throughput_history_audit
-- CreateTable
CREATE TABLE "console_throughput_minutes" (
    "tenant" TEXT NOT NULL,
    "stage" TEXT NOT NULL,
    "minute" TIMESTAMPTZ(3) NOT NULL,
    "count" INTEGER NOT NULL,

    CONSTRAINT "console_throughput_minutes_pkey" PRIMARY KEY ("tenant","stage","minute")
);

-- CreateTable
CREATE TABLE "console_audit_entries" (
    "id" BIGSERIAL NOT NULL,
    "operator" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "tenant" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "detail" JSONB NOT NULL DEFAULT '{}',
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "console_audit_entries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "console_throughput_minutes_minute_idx" ON "console_throughput_minutes"("minute");

-- CreateIndex
CREATE INDEX "console_audit_entries_tenant_at_idx" ON "console_audit_entries"("tenant", "at");
