import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { WEBHOOK_MESSAGE_SCHEMAS, webhookOperations } from '../webhooks/webhook-messages.js';
import { CONTRACT_SCHEMAS } from './contract-schemas.js';

const DESCRIPTION = `Remote-expert calls on TeamViewer Frontline xAssist for smart-glasses technicians.

Every route but /healthz, /readyz and /metrics needs \`Authorization: Bearer <jwt>\`. Every error
answer has the Error body: branch on \`code\`, show \`message\`. The socket.io events are described
in the repository's docs/asyncapi.json; people read docs/api.md. The webhooks section describes
what the broker POSTs to an integration's webhook (docs/notifications.md).`;

/** The OpenAPI 3.1 document: Nest's routes and request DTOs plus the contract's response schemas. */
export function openApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('Expert Call Broker')
    .setDescription(DESCRIPTION)
    .setVersion('1')
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description:
        'A JWT whose sub is a directory person: HS256 with AUTH_JWT_SECRET, or RS256/ES256 from the configured identity provider.',
    })
    .build();
  const document = SwaggerModule.createDocument(app, config);
  document.components = {
    ...document.components,
    // The webhook messages are OpenAPI's only (the socket events never carry them).
    schemas: { ...document.components?.schemas, ...CONTRACT_SCHEMAS, ...WEBHOOK_MESSAGE_SCHEMAS },
  };
  document.webhooks = webhookOperations();
  return document;
}

/** Swagger UI at /docs, the document itself at /docs-json (open, like the UI). */
export function setupOpenApi(app: INestApplication): void {
  SwaggerModule.setup('docs', app, () => openApiDocument(app), { jsonDocumentUrl: 'docs-json' });
}
