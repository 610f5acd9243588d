-- AlterTable
ALTER TABLE "channels" ADD COLUMN     "consumer_sent_seq" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "provider_sent_seq" INTEGER NOT NULL DEFAULT 0;

-- Backfill: the seq of the last message each party sent on the channel (0: none).
UPDATE "channels" AS c
SET "provider_sent_seq" = s."provider_sent_seq", "consumer_sent_seq" = s."consumer_sent_seq"
FROM (
    SELECT m."channel_id",
        COALESCE(MAX(m."seq") FILTER (WHERE m."sender_id" = ch."provider_id"), 0) AS "provider_sent_seq",
        COALESCE(MAX(m."seq") FILTER (WHERE m."sender_id" = ch."consumer_id"), 0) AS "consumer_sent_seq"
    FROM "messages" AS m JOIN "channels" AS ch ON ch."id" = m."channel_id"
    GROUP BY m."channel_id"
) AS s
WHERE c."id" = s."channel_id";
