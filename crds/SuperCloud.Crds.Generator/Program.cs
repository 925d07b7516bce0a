System.Console.WriteLine("generator");
