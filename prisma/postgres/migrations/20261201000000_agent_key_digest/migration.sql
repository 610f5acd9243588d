-- AlterTable
ALTER TABLE "agents" ADD COLUMN     "api_key_digest" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "agents_api_key_digest_key" ON "agents"("api_key_digest");

