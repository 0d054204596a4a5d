import ConsensusCore

// MARK: - From the simulator's commands

extension History.Operation {
    /// The history record of one client command, as the harness sees it: `result` is what the
    /// client accepted, or nil when it never got an answer (status `unknown`).
    ///
    /// Keys and values are written in their `description` form (`k17`, `v912`): the checker compares
    /// value tags, exactly as the KV state machine does. A cas that returned `swapped(false, …)`
    /// is recorded as `fail` (its comparison did not hold). Returns nil for `.noop`, which no
    /// client sends.
    public init?(
        client: ClientID, command: Command, result: CommandResult?,
        invokeMicros: Int64, completeMicros: Int64?
    ) {
        let clientNumber = Int(client.rawValue)
        let complete = result == nil ? nil : completeMicros
        switch command {
        case .noop:
            return nil
        case .get(let key):
            var read: String?
            switch result {
            case nil: break
            case .value(let value)?: read = value?.description
            case .swapped?, .none?: preconditionFailure("a get answered with \(result!), not .value")
            }
            self.init(client: clientNumber, kind: .get, key: key.description, result: read,
                      status: result == nil ? .unknown : .ok,
                      invokeMicros: invokeMicros, completeMicros: complete)
        case .put(let key, let value):
            self.init(client: clientNumber, kind: .put, key: key.description, value: value.description,
                      status: result == nil ? .unknown : .ok,
                      invokeMicros: invokeMicros, completeMicros: complete)
        case .cas(let key, let expected, let new):
            let status: History.Status
            switch result {
            case nil: status = .unknown
            case .swapped(let swapped, _)?: status = swapped ? .ok : .fail
            case .value?, .none?:
                preconditionFailure("a cas answered with \(result!), not .swapped")
            }
            self.init(client: clientNumber, kind: .cas, key: key.description, value: new.description,
                      expected: expected?.description, status: status,
                      invokeMicros: invokeMicros, completeMicros: complete)
        }
    }
}
