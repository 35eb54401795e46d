import { MessageType } from 'socket.io-adapter';

/** A socket as a fetchSockets answer describes it to another instance. */
interface SocketDetails {
  id: string;
  handshake: Record<string, unknown>;
  rooms: string[];
  data: Record<string, unknown>;
}

/** The adapter's answering side, as socket-io-redis.ts wraps it. */
export interface RespondingAdapter {
  publishResponse(requesterUid: string, response: { type: number; data?: unknown }): void;
}

/**
 * What another instance may learn of a socket here: its id, rooms, when it connected, and whose
 * it is. socket.io would send the whole handshake (its cookie and authorization headers, the
 * URL's query) and all of socket.data (the socket slot's lease) through Redis; an allowlist keeps
 * a header added later from travelling too. The empty headers, query and auth keep the shape a
 * RemoteSocket's reader expects.
 */
export function remoteSocketDetails(socket: SocketDetails): SocketDetails {
  const { time, issued } = socket.handshake;
  return {
    id: socket.id,
    handshake: { time, issued, headers: {}, query: {}, auth: {} },
    rooms: socket.rooms,
    data: { person: socket.data.person },
  };
}

/** Every fetchSockets answer this adapter publishes describes its sockets by remoteSocketDetails. */
export function answerWithoutCredentials(adapter: RespondingAdapter): void {
  const publish = adapter.publishResponse.bind(adapter);
  adapter.publishResponse = (requesterUid, response) => {
    if (response.type !== MessageType.FETCH_SOCKETS_RESPONSE)
      return publish(requesterUid, response);
    const data = response.data as { requestId: string; sockets: SocketDetails[] };
    publish(requesterUid, {
      ...response,
      data: { ...data, sockets: data.sockets.map(remoteSocketDetails) },
    });
  };
}
