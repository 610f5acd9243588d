-- AlterTable
ALTER TABLE "agents" ADD COLUMN "key_revoked_at" DATETIME;

