#!/usr/bin/env python3
"""ec2-setup.py URL OVERLAY IP...: give moto's EC2 at URL what
aws-vpc-move-ip needs: a VPC 10.0.0.0/16 with subnet 10.0.1.0/24, one
instance per node at the given private addresses (each with its primary
network interface), and a route table holding OVERLAY/32 via the first
node's interface.  Prints one JSON object:
{"vpc", "subnet", "route_table", "nodes": [{"instance_id",
"interface_id", "mac", "local_ipv4"}, ...]}.  Needs boto3 (moto's)."""

import json
import sys

import boto3


def main():
    url, overlay, ips = sys.argv[1], sys.argv[2], sys.argv[3:]
    ec2 = boto3.client("ec2", endpoint_url=url, region_name="us-east-1",
                       aws_access_key_id="AKIDEC2SETUP",
                       aws_secret_access_key="ec2setup")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")[
        "Subnet"]["SubnetId"]
    nodes = []
    for ip in ips:
        inst = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1,
                                 MaxCount=1, SubnetId=subnet,
                                 PrivateIpAddress=ip)["Instances"][0]
        eni = inst["NetworkInterfaces"][0]
        nodes.append({"instance_id": inst["InstanceId"],
                      "interface_id": eni["NetworkInterfaceId"],
                      "mac": eni["MacAddress"], "local_ipv4": ip})
    rtb = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock=overlay + "/32",
                     NetworkInterfaceId=nodes[0]["interface_id"])
    json.dump({"vpc": vpc, "subnet": subnet, "route_table": rtb,
               "nodes": nodes}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
