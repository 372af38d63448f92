-- CreateTable
CREATE TABLE "acceptance_suggestions" (
    "tracking_key" TEXT NOT NULL,
    "minute" TIMESTAMP(3) NOT NULL,
    "model" TEXT NOT NULL,
    "arm" TEXT NOT NULL,
    "gate" TEXT NOT NULL,
    "language" TEXT NOT NULL,
    "outcome" TEXT,
    "seen_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "acceptance_suggestions_pkey" PRIMARY KEY ("tracking_key")
);

-- CreateTable
CREATE TABLE "acceptance_rollups" (
    "minute" TIMESTAMP(3) NOT NULL,
    "model" TEXT NOT NULL,
    "arm" TEXT NOT NULL,
    "gate" TEXT NOT NULL,
    "language" TEXT NOT NULL,
    "shown" INTEGER NOT NULL DEFAULT 0,
    "accepted" INTEGER NOT NULL DEFAULT 0,
    "rejected" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "acceptance_rollups_pkey" PRIMARY KEY ("minute","model","arm","gate","language")
);

-- CreateIndex
CREATE INDEX "acceptance_suggestions_seen_at_idx" ON "acceptance_suggestions"("seen_at");
