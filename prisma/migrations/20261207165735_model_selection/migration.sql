-- CreateEnum
CREATE TYPE "AiFeature" AS ENUM ('code_completions', 'code_generations');

-- CreateTable
CREATE TABLE "ai_namespace_feature_settings" (
    "namespace_id" INTEGER NOT NULL,
    "feature" "AiFeature" NOT NULL,
    "offered_model_ref" TEXT,
    "offered_model_name" TEXT,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ai_namespace_feature_settings_pkey" PRIMARY KEY ("namespace_id","feature")
);

-- CreateTable
CREATE TABLE "instance_model_selection_feature_settings" (
    "feature" "AiFeature" NOT NULL,
    "offered_model_ref" TEXT,
    "offered_model_name" TEXT,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "instance_model_selection_feature_settings_pkey" PRIMARY KEY ("feature")
);

-- CreateTable
CREATE TABLE "user_preferences" (
    "user_id" INTEGER NOT NULL,
    "duo_default_namespace_id" INTEGER,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "user_preferences_pkey" PRIMARY KEY ("user_id")
);

-- CreateIndex
CREATE INDEX "user_preferences_duo_default_namespace_id_idx" ON "user_preferences"("duo_default_namespace_id");

-- AddForeignKey
ALTER TABLE "ai_namespace_feature_settings" ADD CONSTRAINT "ai_namespace_feature_settings_namespace_id_fkey" FOREIGN KEY ("namespace_id") REFERENCES "namespaces"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "user_preferences" ADD CONSTRAINT "user_preferences_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "user_preferences" ADD CONSTRAINT "user_preferences_duo_default_namespace_id_fkey" FOREIGN KEY ("duo_default_namespace_id") REFERENCES "namespaces"("id") ON DELETE SET NULL ON UPDATE CASCADE;
