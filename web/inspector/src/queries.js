export const DELIVERY_ROW = `fragment DeliveryRow on Delivery {
  id status attempts createdAt lastAttemptedAt lastStatusCode lastFailureCode nextAttemptAt deliveredAt terminalFailureAt
  event { id type orderingKey }
  webhook { id url }
}`;

export const DELIVERIES = `query InspectorDeliveries($filter: DeliveryFilter, $first: Int, $after: String) {
  deliveries(filter: $filter, first: $first, after: $after) {
    edges { node { ...DeliveryRow } }
    pageInfo { hasNextPage endCursor }
  }
}
${DELIVERY_ROW}`;

export const DELIVERY_UPDATED = `subscription InspectorLiveTail {
  deliveryUpdated { ...DeliveryRow }
}
${DELIVERY_ROW}`;

export const deliveryDetail = (capabilities) => `query InspectorDelivery($id: ID!) {
  delivery(id: $id) {
    ...DeliveryRow
    lastErrorMessage
    event { id type apiVersion createdAt data metadata orderingKey }
    webhook { id url profile active }
    attemptLog {
      number startedAt durationMs statusCode failureCode errorMessage responseBody
      ${capabilities.responseHeaders ? 'responseHeaders { name value }' : ''}
      ${capabilities.requestAsSent ? 'request { method url headers { name value } body signedAt exact urlChangedSince }' : ''}
    }
    history { streamId version position type occurredAt data hash }
    ${capabilities.delivery.has('historyVerified') ? 'historyVerified' : ''}
  }
}
${DELIVERY_ROW}`;

// Fields a server may not have yet (circuit details arrive with the circuit-policy work): asked for only when present.
const OPTIONAL_WEBHOOK_FIELDS = ['circuitOpenedAt', 'nextProbeAt'];

export function webhookFields(capabilities) {
  const optional = OPTIONAL_WEBHOOK_FIELDS.filter((name) => capabilities.webhook.has(name)).join(' ');
  return `id url description events profile active disabledReason ordering circuitState createdAt ${optional}
  stats { total delivered failed pending successRate p50LatencyMs p95LatencyMs }
  series: statsSeries(granularity: HOUR, since: $since) { start deliveriesCreated delivered failed }`;
}

export const webhooksQuery = (capabilities) => `query InspectorWebhooks($after: String, $since: DateTime!) {
  webhooks(first: 100, after: $after) {
    totalCount
    edges { node { ${webhookFields(capabilities)} } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const CIRCUIT_CHANGED = `subscription InspectorCircuit { circuitBreakerChanged { id circuitState active } }`;

export const WEBHOOK_NAMES = `query InspectorWebhookNames { webhooks(first: 100) { edges { node { id url } } } }`;

export const UPDATE_WEBHOOK = `mutation InspectorSetActive($id: ID!, $active: Boolean!) {
  updateWebhook(id: $id, input: { active: $active }) { id active }
}`;

export const ROTATE_SECRET = `mutation InspectorRotate($id: ID!) {
  rotateWebhookSecret(id: $id) { secret webhook { id } }
}`;

export const SEND_TEST = `mutation InspectorSendTest($id: ID!) { sendTestEvent(webhookId: $id) { id status } }`;

export const RESET_BREAKER = `mutation InspectorResetBreaker($id: ID!) { resetCircuitBreaker(webhookId: $id) { id circuitState } }`;

export const REDELIVER = `mutation InspectorRedeliver($id: ID!) { redeliver(deliveryId: $id) { id status attempts } }`;

export const REDELIVER_EVENT = `mutation InspectorRedeliverEvent($id: ID!) { redeliverEvent(eventId: $id) { id status } }`;

export const STATS = `query InspectorStats($since: DateTime) {
  stats(since: $since) { total delivered failed pending successRate p50LatencyMs p95LatencyMs }
}`;

export const FAILED_IDS = `query InspectorFailedIds($filter: DeliveryFilter, $after: String) {
  deliveries(filter: $filter, first: 250, after: $after) {
    edges { node { id } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const REPLAY_JOB = 'id status total done failed selection startedBy startedAt cancelledBy endedAt';

export const START_REPLAY = `mutation InspectorStartReplay($input: StartReplayInput!) { startReplay(input: $input) { ${REPLAY_JOB} } }`;

export const CANCEL_REPLAY = `mutation InspectorCancelReplay($id: ID!) { cancelReplay(id: $id) { ${REPLAY_JOB} } }`;

export const REPLAY_PROGRESS = `subscription InspectorReplayProgress($id: ID!) { replayJobProgress(id: $id) { ${REPLAY_JOB} } }`;

const BUCKET = `start end deliveriesCreated delivered failed redeliveries attempts attemptsSucceeded attemptsFailed
  attemptsByStatusClass { status2xx status3xx status4xx status5xx other noResponse }
  attemptsByFailureCode { code count }
  p50LatencyMs p95LatencyMs`;

export const STATS_SERIES = `query InspectorStatsSeries($granularity: StatsGranularity!, $since: DateTime!) {
  statsSeries(granularity: $granularity, since: $since) { ${BUCKET} }
}`;

