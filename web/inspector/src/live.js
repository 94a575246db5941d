import { createContext, useContext, useEffect, useRef } from 'react';
import { DELIVERY_UPDATED } from './queries.js';

/**
 * One deliveryUpdated subscription for the whole page; views listen to it. graphql-ws resubscribes it by itself
 * after a lost connection; views hear 'resubscribed' and reload what they show, since changes in the gap were missed.
 */
export function startLiveFeed(client) {
  const listeners = new Set();
  const subscription = client.subscription(DELIVERY_UPDATED, {}).subscribe((result) => {
    const delivery = result.data?.deliveryUpdated;
    if (delivery) {
      for (const listener of listeners) {
        listener(delivery);
      }
    }
  });
  return {
    listen(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop() {
      subscription.unsubscribe();
    },
  };
}

export const LiveContext = createContext({ feed: null, socket: 'connecting', generation: 0 });

export function useLive() {
  return useContext(LiveContext);
}

export function useDeliveryUpdates(listener) {
  const { feed } = useLive();
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => (feed ? feed.listen((delivery) => latest.current(delivery)) : undefined), [feed]);
}
