-- At most one active channel, and one pending request, per provider, consumer and service (a
-- channel without a service counts as the service ''), whatever the hub instances do meanwhile.
-- Prisma's schema cannot state partial or expression indexes: they live here only.

-- No instance of an older version opens a channel between the clean-up and the indexes.
LOCK TABLE "channels" IN SHARE ROW EXCLUSIVE MODE;

-- Pairs that already break it keep their newest: older active channels are ended, older pending requests rejected.
UPDATE "channels" SET "status" = 'ended', "ended_at" = (now() AT TIME ZONE 'UTC'), "end_reason" = 'duplicate', "ended_by" = 'hub'
WHERE "status" = 'active' AND EXISTS (
    SELECT 1 FROM "channels" AS "newer"
    WHERE "newer"."status" = 'active' AND "newer"."provider_id" = "channels"."provider_id" AND "newer"."consumer_id" = "channels"."consumer_id"
        AND COALESCE("newer"."service_id", '') = COALESCE("channels"."service_id", '') AND "newer"."id" > "channels"."id"
);

UPDATE "channels" SET "status" = 'rejected', "ended_at" = (now() AT TIME ZONE 'UTC'), "end_reason" = 'duplicate', "ended_by" = 'hub'
WHERE "status" = 'pending' AND EXISTS (
    SELECT 1 FROM "channels" AS "newer"
    WHERE "newer"."status" = 'pending' AND "newer"."provider_id" = "channels"."provider_id" AND "newer"."consumer_id" = "channels"."consumer_id"
        AND COALESCE("newer"."service_id", '') = COALESCE("channels"."service_id", '') AND "newer"."id" > "channels"."id"
);

-- CreateIndex
CREATE UNIQUE INDEX "channels_one_active_key" ON "channels"("provider_id", "consumer_id", COALESCE("service_id", '')) WHERE "status" = 'active';

-- CreateIndex
CREATE UNIQUE INDEX "channels_one_pending_key" ON "channels"("provider_id", "consumer_id", COALESCE("service_id", '')) WHERE "status" = 'pending';
