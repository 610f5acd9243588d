// Agents and the services they provide, as the hub keeps them. A service id belongs to the first
// provider that registers it.

export interface Agent {
  id: string
  displayName: string | null
  createdAt: Date
  /** When its last /ws connection opened or closed. */
  lastSeenAt: Date | null
}

export interface Service {
  id: string
  providerId: string
  description: string | null
  createdAt: Date
}
