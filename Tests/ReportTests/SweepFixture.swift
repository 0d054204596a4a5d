@testable import Report

/// A small hand-written sweep: Raft at n = 3, 5, 7 (2n messages/op) and PBFT at n = 4, 7, 10
/// (2n² − n + 1), with a crash dip in the time series. Extra columns (batch, auth) on purpose.
enum SweepFixture {
    static let runs = """
    point,protocol,shell,nodes,faults,clients,seed,batch,auth,ops,duration_s,throughput_ops_s,latency_p50_us,latency_p90_us,latency_p99_us,latency_p999_us,latency_max_us,messages_per_op,bytes_per_op,leader_changes,linearizable
    0,raft,sim,3,1,8,1,1,,4000,2.000,2000.000,500.0,700.0,900.0,1200.0,1500.0,6.0000,540.00,1,true
    1,raft,sim,5,2,8,1,1,,3600,2.000,1800.000,550.0,760.0,980.0,1300.0,1600.0,10.0000,900.00,1,true
    2,raft,sim,7,3,8,1,1,,3200,2.000,1600.000,600.0,820.0,1050.0,1400.0,1700.0,14.0000,1260.00,1,true
    3,pbft,sim,4,1,8,1,1,mac,3000,2.000,1500.000,800.0,1000.0,1400.0,1800.0,2500.0,29.0000,3480.00,0,true
    4,pbft,sim,7,2,8,1,1,mac,2400,2.000,1200.000,900.0,1200.0,1700.0,2100.0,2900.0,92.0000,11040.00,0,true
    5,pbft,sim,10,3,8,1,1,mac,2000,2.000,1000.000,1000.0,1400.0,2000.0,2600.0,3300.0,191.0000,22920.00,0,unchecked

    """

    static var latency: String {
        var text = "point,percentile,latency_us\n"
        for point in 0..<6 {
            for percentile in [0.0, 10, 25, 50, 75, 90, 99, 99.9, 100] {
                let micros = Double(400 + 50 * point) * (1 + percentile / 25)
                text += "\(point),\(formatDecimal(percentile, places: 1)),\(formatDecimal(micros, places: 1))\n"
            }
        }
        return text
    }

    static var timeseries: String {
        var text = "point,second,completed_ops,p99_us\n"
        for point in 0..<6 {
            for second in 0..<6 {
                let ops = second == 3 ? 10 : 1000 - 50 * point
                text += "\(point),\(second),\(ops),\(second == 3 ? 9000 : 1000)\n"
            }
        }
        return text
    }

    static let messages = """
    point,type,count,bytes
    0,append_entries,8000,400000
    0,request,4000,120000

    """

    static func tables() throws -> (runs: CSVTable, latency: CSVTable, timeseries: CSVTable, messages: CSVTable) {
        (try CSVTable.parse(runs), try CSVTable.parse(latency), try CSVTable.parse(timeseries),
         try CSVTable.parse(messages))
    }
}
